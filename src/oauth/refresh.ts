import * as oauth from "oauth4webapi";
import { check, createOAuthContext, send, type OAuthClientConfig, type TokenSet } from "./client.ts";
import { OAuthError } from "./errors.ts";
import { toTokenSet } from "./tokenSet.ts";

/** Options for `refreshTokens`. */
export interface RefreshOptions {
  /** Sent as `scope` (a subset of the original grant); omitted to keep the original scopes. */
  scopes?: readonly string[];
  /** Reported when neither the answer nor `scopes` names any (typically the scopes stored with the token). */
  fallbackScopes?: readonly string[];
  /** Epoch ms the request is sent, by the caller's clock (`expires_in` counts from it). Default now. */
  now?: number;
}

/** Sends the refresh-token grant to the token endpoint; returns the raw answer. */
export async function refreshRequest(
  cfg: OAuthClientConfig,
  refreshToken: string,
  options: RefreshOptions = {},
): Promise<Response> {
  if (!refreshToken) throw new OAuthError("invalid_grant", "There is no refresh token to use");
  const ctx = createOAuthContext(cfg);
  const additionalParameters = options.scopes?.length ? { scope: options.scopes.join(" ") } : undefined;
  return send(() =>
    oauth.refreshTokenGrantRequest(ctx.as, ctx.client, ctx.clientAuth, refreshToken, {
      ...ctx.requestOptions(),
      additionalParameters,
    }),
  );
}

/**
 * Checks the answer to a refresh with oauth4webapi and returns the TokenSet. When the answer carries no
 * refresh token (a provider that does not rotate), `previousRefreshToken` is kept.
 */
export async function processRefreshResponse(
  cfg: OAuthClientConfig,
  response: Response,
  previousRefreshToken: string,
  options: RefreshOptions = {},
): Promise<TokenSet> {
  const ctx = createOAuthContext(cfg);
  const answer = await check(response, (r) => oauth.processRefreshTokenResponse(ctx.as, ctx.client, r));
  return toTokenSet(cfg, answer, {
    refreshToken: previousRefreshToken,
    scopes: options.scopes?.length ? options.scopes : options.fallbackScopes,
    now: options.now,
  });
}

/**
 * Trades a refresh token for fresh tokens. A refused refresh token (expired, revoked, already used where
 * tokens rotate) is `invalid_grant`: the user must sign in again.
 */
export async function refreshTokens(
  cfg: OAuthClientConfig,
  refreshToken: string,
  options: RefreshOptions = {},
): Promise<TokenSet> {
  const now = options.now ?? Date.now();
  const response = await refreshRequest(cfg, refreshToken, options);
  return processRefreshResponse(cfg, response, refreshToken, { ...options, now });
}
