import type { BoundedCache } from "../cache/boundedCache.ts";
import { tagOf, type CacheCoherence } from "../cache/coherence.ts";
import { hashToken } from "../vault/hashing.ts";
import type { AccountStore, PatCredential, SessionInfo } from "./accounts.ts";

/**
 * What the cache must know of a lookup's answer: whose it is (a `user_changed` drops it) and until when it
 * may be served. The one place to adapt when the account lookups return more (scopes, apps, an expiry):
 * the answer itself is stored whole, so new fields flow through.
 */
export interface CachedCredential<V> {
  value: V;
  userId: string;
  /** Epoch ms after which the entry is never served (a PAT's or a session's end); null: none. */
  expiresAt: number | null;
}

const personalAccessToken = (credential: PatCredential): CachedCredential<PatCredential> => ({
  value: credential,
  userId: credential.user.id,
  expiresAt: credential.token.expiresAt,
});

const browserSession = (session: SessionInfo): CachedCredential<SessionInfo> => ({
  value: session,
  userId: session.user.id,
  expiresAt: session.expiresAt,
});

export interface CredentialCacheLimits {
  /** Personal access tokens and sessions held at most, each; default 10,000. */
  maxEntries?: number;
}

/**
 * The authentication plugin's lookups, in memory between changes: personal access token (by its SHA-256)
 * → the account store's answer, session (by its id, the SHA-256 of the cookie) → the session and its user.
 * An entry goes at its own expiry, the safety TTL, or the change that ends it (`pat_revoked`,
 * `session_ended`, `user_changed`). Refusals are not remembered: a made-up token always reaches the
 * database, so a flood of them cannot push real entries out.
 *
 * A cache hit does not record the token's use: the account store does that on a miss, which happens at
 * least once per safety TTL, so `last_used_at` stays within a TTL and its own minute of the truth.
 */
export class CredentialCache {
  private readonly tokens: BoundedCache<CachedCredential<PatCredential>>;
  private readonly sessions: BoundedCache<CachedCredential<SessionInfo>>;

  constructor(
    private readonly accounts: AccountStore,
    private readonly coherence: CacheCoherence,
    limits: CredentialCacheLimits = {},
  ) {
    const maxEntries = limits.maxEntries ?? 10_000;
    this.tokens = coherence.cache("personal_access_tokens", { maxEntries });
    this.sessions = coherence.cache("sessions", { maxEntries });
  }

  /**
   * The token's user and grant when the cache holds it, without waiting: the authentication hook answers a
   * held token synchronously. Undefined: not held (ask userForPersonalAccessToken, which also counts the miss).
   */
  heldPersonalAccessToken(token: string): PatCredential | undefined {
    if (!this.coherence.usable()) return undefined;
    return this.held("personal_access_tokens", this.tokens, hashToken(token));
  }

  /** The token's user and grant, or null when it does not authenticate (AccountStore.userForPersonalAccessToken). */
  userForPersonalAccessToken(token: string): Promise<PatCredential | null> {
    const hash = hashToken(token);
    return this.lookup(
      "personal_access_tokens",
      this.tokens,
      hash,
      tagOf.pat(hash),
      () => this.accounts.userForPersonalAccessToken(token),
      personalAccessToken,
    );
  }

  /** The session and its user for a cookie value, or null (AccountStore.session). */
  session(cookieValue: string): Promise<SessionInfo | null> {
    const id = hashToken(cookieValue);
    return this.lookup(
      "sessions",
      this.sessions,
      id,
      tagOf.session(id),
      () => this.accounts.session(cookieValue),
      browserSession,
    );
  }

  /** A hit (counted), or undefined when the entry is not held. The caller has asked `usable()`. */
  private held<V>(name: string, cache: BoundedCache<CachedCredential<V>>, key: string): V | undefined {
    const { coherence } = this;
    const held = cache.get(key, coherence.now());
    if (!held) return undefined;
    coherence.count(name, "hits");
    return held.value;
  }

  private async lookup<V>(
    name: string,
    cache: BoundedCache<CachedCredential<V>>,
    key: string,
    ownTag: string,
    load: () => Promise<V | null>,
    describe: (value: V) => CachedCredential<V>,
  ): Promise<V | null> {
    const { coherence } = this;
    if (!coherence.usable()) {
      coherence.count(name, "bypassed");
      return load();
    }
    const held = this.held(name, cache, key);
    if (held !== undefined) return held;
    coherence.count(name, "misses");
    const ticket = coherence.ticket();
    const value = await load();
    if (value === null) return null;
    const credential = describe(value);
    const tags = [ownTag, tagOf.user(credential.userId)];
    if (coherence.mayStore(ticket, tags)) {
      cache.set(
        key,
        { ...credential, value: Object.freeze(credential.value) },
        coherence.expiry(credential.expiresAt),
        tags,
      );
    }
    return value;
  }
}
