/**
 * When a held access token must be renewed: the one rule for user connections, service tokens, the token
 * caches and the background refresher.
 *
 * A caller asks for a token valid for at least `minValidity`, but a provider may issue tokens that live
 * shorter than that (5-second tokens against the default 60 s, or `minValidity=86400` against 1-hour
 * tokens). Taken literally, every freshly issued token would already be "too short" and each request would
 * refresh again — a refresh loop against a provider with rate limits. So the margin is capped at half the
 * lifetime of the token held: a token is valid for at least `min(minValidity, lifetime / 2)`, and one expiry
 * costs one upstream refresh whatever callers ask for.
 */

/** When a held token was issued and until when it is valid (epoch ms). */
export interface TokenTimes {
  issuedAt: number;
  expiresAt: number;
}

/** Says whether the token held must be renewed at `now`. */
export type RenewalRule = (token: TokenTimes, now: number) => boolean;

/**
 * A forced refresh (an app's call answered 401) renews a token at most this soon after it was issued: more
 * 401s for the same connection within these few seconds get the token just issued, not another refresh.
 */
export const FORCED_REFRESH_MIN_INTERVAL_MS = 5_000;

/** The margin a request gets: what it asked for, capped at half the held token's lifetime (never negative). */
export function effectiveMinValidityMs(askedMs: number, token: TokenTimes): number {
  const lifetime = token.expiresAt - token.issuedAt;
  return Math.max(0, Math.min(askedMs, lifetime / 2));
}

/** Renew unless the token stays valid for `min(minValidityMs, half its lifetime)` from now. */
export function validFor(minValidityMs: number): RenewalRule {
  return (token, now) => {
    const remaining = token.expiresAt - now;
    return remaining <= 0 || remaining < effectiveMinValidityMs(minValidityMs, token);
  };
}

/** Renew whatever the expiry — unless the token was issued within `minIntervalMs` and has not expired. */
export function forcedRenewal(minIntervalMs = FORCED_REFRESH_MIN_INTERVAL_MS): RenewalRule {
  return (token, now) => token.expiresAt <= now || now - token.issuedAt >= minIntervalMs;
}

/** A stored row's times, from the columns the vault writes (PostgreSQL bigints arrive parsed, or as text). */
export function timesOf(expiresAt: number | string, issuedAt: number | string): TokenTimes {
  return { issuedAt: Number(issuedAt), expiresAt: Number(expiresAt) };
}
