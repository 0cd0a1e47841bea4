import type { VerifyAccessToken } from "./accessToken.ts";

/** The base URLs of the three running emulators (Evo discovery serves Seequent's as the hub URL). */
export interface EmulatorHubUrls {
  bentley: string;
  autodesk: string;
  seequent: string;
}

/**
 * What an emulator hands to the resource-API plugin it mounts
 * (`registerBentleyApi`, `registerAutodeskApi`, `registerSeequentApi`).
 *
 * The object is created before `listen()` and filled in afterwards: with port 0 the real `baseUrl` and
 * `hubUrls` are only known once every emulator listens, so plugins read them per request, never at
 * registration time.
 */
export interface EmulatorContext {
  verifyAccessToken: VerifyAccessToken;
  baseUrl: string;
  hubUrls?: EmulatorHubUrls;
}
