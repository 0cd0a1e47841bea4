import type { BoundedCache } from "../../cache/boundedCache.ts";
import { tagOf, type CacheCoherence, type LoadTicket } from "../../cache/coherence.ts";
import { SharedLoads } from "../../cache/sharedLoads.ts";
import { hashToken } from "../../vault/hashing.ts";
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

/** One kind of credential the cache holds: where, under which tag, how to load it and what it says. */
interface CredentialKind<V> {
  /** The cache's name in the metrics. */
  name: string;
  cache: BoundedCache<CachedCredential<V>>;
  /** The change tag that ends the entry for this key (the hash of the presented value). */
  tag: (key: string) => string;
  /** The account store's answer for the presented value. */
  load: (presented: string) => Promise<V | null>;
  describe: (value: V) => CachedCredential<V>;
  /** Concurrent misses of one credential share one read (sharedLoads.ts). */
  loading: SharedLoads<V | null>;
}

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
  private readonly tokens: CredentialKind<PatCredential>;
  private readonly sessions: CredentialKind<SessionInfo>;

  constructor(
    accounts: AccountStore,
    private readonly coherence: CacheCoherence,
    limits: CredentialCacheLimits = {},
  ) {
    const maxEntries = limits.maxEntries ?? 10_000;
    this.tokens = {
      name: "personal_access_tokens",
      cache: coherence.cache("personal_access_tokens", { maxEntries }),
      tag: tagOf.pat,
      load: (token) => accounts.userForPersonalAccessToken(token),
      describe: (credential) => ({
        value: credential,
        userId: credential.user.id,
        expiresAt: credential.token.expiresAt,
      }),
      loading: new SharedLoads(),
    };
    this.sessions = {
      name: "sessions",
      cache: coherence.cache("sessions", { maxEntries }),
      tag: tagOf.session,
      load: (cookieValue) => accounts.session(cookieValue),
      describe: (session) => ({ value: session, userId: session.user.id, expiresAt: session.expiresAt }),
      loading: new SharedLoads(),
    };
  }

  /**
   * The token's user and grant, or null when it does not authenticate (AccountStore.userForPersonalAccessToken).
   * A held token is answered at once, not in a promise: the authentication hook accepts it without a turn
   * of the event loop.
   */
  userForPersonalAccessToken(token: string): PatCredential | Promise<PatCredential | null> {
    return this.lookup(this.tokens, token);
  }

  /**
   * The token's answer when the cache holds it (a hit, counted), else undefined: nothing loaded, nothing
   * counted, the lookup left to the authentication hook (the token route's fast lane, heldTokenLane.ts).
   */
  heldPersonalAccessToken(token: string): PatCredential | undefined {
    return this.coherence.usable() ? this.held(this.tokens, hashToken(token)) : undefined;
  }

  /** The session and its user for a cookie value, or null (AccountStore.session). Its key is the session id. */
  session(cookieValue: string): SessionInfo | Promise<SessionInfo | null> {
    return this.lookup(this.sessions, cookieValue);
  }

  /** A hit (counted), or undefined when the entry is not held. The caller has asked `usable()`. */
  private held<V>(kind: CredentialKind<V>, key: string): V | undefined {
    const held = kind.cache.get(key, this.coherence.now());
    if (!held) return undefined;
    this.coherence.count(kind.name, "hits");
    return held.value;
  }

  /** The held value (a hit), or the account store's answer in a promise (a miss, or the cache bypassed). */
  private lookup<V>(kind: CredentialKind<V>, presented: string): V | Promise<V | null> {
    const { coherence } = this;
    if (!coherence.usable()) {
      coherence.count(kind.name, "bypassed");
      return kind.load(presented);
    }
    const key = hashToken(presented);
    const held = this.held(kind, key);
    if (held !== undefined) return held;
    coherence.count(kind.name, "misses");
    return this.loadAndHold(kind, presented, key);
  }

  /** The account store's answer (one read shared by concurrent misses), held for the next lookups. */
  private loadAndHold<V>(kind: CredentialKind<V>, presented: string, key: string): Promise<V | null> {
    const ticket = this.coherence.ticket();
    return kind.loading.load(key, ticket, () => this.load(kind, presented, key, ticket));
  }

  private async load<V>(
    kind: CredentialKind<V>,
    presented: string,
    key: string,
    ticket: LoadTicket,
  ): Promise<V | null> {
    const { coherence } = this;
    const value = await kind.load(presented);
    if (value === null) return null;
    const credential = kind.describe(value);
    const tags = [kind.tag(key), tagOf.user(credential.userId)];
    if (coherence.mayStore(ticket, tags)) {
      kind.cache.set(
        key,
        { ...credential, value: Object.freeze(credential.value) },
        coherence.expiry(credential.expiresAt),
        tags,
      );
    }
    return value;
  }
}
