import type * as oauth from "oauth4webapi";
import { DEFAULT_EXPIRES_IN_SECONDS, type OAuthClientConfig, type TokenSet } from "./client.ts";

/** What the caller knew before the answer: used where the answer is silent. */
export interface TokenSetFallbacks {
  /** Scopes to report when the answer has no `scope`. */
  scopes?: readonly string[];
  /** Kept when the answer carries no new refresh token (a refresh that does not rotate). */
  refreshToken?: string | null;
  /** Epoch ms the request was sent; expiry counts from here. Default now. */
  now?: number;
}

/** Splits an RFC 6749 space-separated scope string. */
export function splitScopes(scope: string | undefined): string[] {
  return scope ? scope.split(" ").filter((s) => s !== "") : [];
}

/**
 * Turns a token answer oauth4webapi has validated into a TokenSet: expiry from `expires_in`, else
 * `cfg.defaultExpiresInSeconds` (3600); scopes from the answer's `scope`, else the requested ones; the
 * previous refresh token kept when the answer has none.
 */
export function toTokenSet(
  cfg: OAuthClientConfig,
  answer: oauth.TokenEndpointResponse,
  fallbacks: TokenSetFallbacks = {},
): TokenSet {
  const now = fallbacks.now ?? Date.now();
  const expiresIn = answer.expires_in ?? cfg.defaultExpiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
  const granted = splitScopes(answer.scope);
  return {
    accessToken: answer.access_token,
    tokenType: answer.token_type.toLowerCase() === "bearer" ? "Bearer" : answer.token_type,
    refreshToken: answer.refresh_token ?? fallbacks.refreshToken ?? null,
    expiresAt: now + expiresIn * 1000,
    scopes: granted.length > 0 ? granted : [...(fallbacks.scopes ?? [])],
    idToken: answer.id_token ?? null,
  };
}
