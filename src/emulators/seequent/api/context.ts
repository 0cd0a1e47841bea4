import type { VerifyAccessToken } from "../../shared/accessToken.ts";

/**
 * What the API plugins need from the emulator that mounts them (the same shape as the composition's
 * emulator context). `baseUrl` is read on every request, so it may be filled in after `listen()`.
 */
export interface ApiContext {
  verifyAccessToken: VerifyAccessToken;
  baseUrl: string;
  hubUrls?: Partial<Record<string, string>>;
}
