import * as oauth from "oauth4webapi";
import { createOAuthContext, requireEndpoint, type OAuthClientConfig } from "./client.ts";
import { OAuthError } from "./errors.ts";

/** Options for `buildAuthorizationUrl`. */
export interface AuthorizationUrlOptions {
  redirectUri: string;
  scopes: readonly string[];
  /** PKCE with S256 (RFC 7636). Default true; turn off only for providers that reject it. */
  pkce?: boolean;
  /** Further query parameters (e.g. `prompt=login`); may not replace the ones this function sets. */
  extraParams?: Record<string, string>;
}

/** A started authorization: send the browser to `url`, keep the rest for the callback and the exchange. */
export interface AuthorizationRequest {
  /** The full authorization URL (a string, ready for a redirect). */
  url: string;
  state: string;
  /** Null when PKCE is off. Secret: keep it server-side. */
  codeVerifier: string | null;
  /** Set when `openid` was requested; the ID token must carry it back. */
  nonce: string | null;
}

const reservedParams = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
]);

/**
 * The authorization-endpoint URL for the code flow, with a fresh random `state`, a PKCE S256 challenge
 * (unless `pkce: false`) and a `nonce` when `openid` is among the scopes. Query parameters already on the
 * configured authorization URL are kept. Throws `invalid_configuration` without an authorization URL and
 * `invalid_request` when `extraParams` tries to set a parameter this function owns.
 */
export async function buildAuthorizationUrl(
  cfg: OAuthClientConfig,
  options: AuthorizationUrlOptions,
): Promise<AuthorizationRequest> {
  const ctx = createOAuthContext(cfg);
  requireEndpoint(ctx, "authorization_endpoint", "authorization URL");
  if (!options.redirectUri) throw new OAuthError("invalid_request", "redirectUri is required");

  const url = new URL(ctx.as.authorization_endpoint as string);
  const state = oauth.generateRandomState();
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", cfg.clientId);
  url.searchParams.set("redirect_uri", options.redirectUri);
  if (options.scopes.length > 0) url.searchParams.set("scope", options.scopes.join(" "));
  url.searchParams.set("state", state);

  let codeVerifier: string | null = null;
  if (options.pkce ?? true) {
    codeVerifier = oauth.generateRandomCodeVerifier();
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
  }
  let nonce: string | null = null;
  if (options.scopes.includes("openid")) {
    nonce = oauth.generateRandomNonce();
    url.searchParams.set("nonce", nonce);
  }
  for (const [name, value] of Object.entries(options.extraParams ?? {})) {
    if (reservedParams.has(name)) {
      throw new OAuthError("invalid_request", `extraParams may not set "${name}"`, { param: name });
    }
    url.searchParams.set(name, value);
  }
  return { url: url.href, state, codeVerifier, nonce };
}
