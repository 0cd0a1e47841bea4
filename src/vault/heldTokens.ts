import { inspect } from "node:util";
import type { CacheCoherence, LoadTicket } from "../cache/coherence.ts";
import { tagOf } from "../cache/coherence.ts";
import type { BoundedCache } from "../cache/boundedCache.ts";
import { connectionTimes, type ConnectionRow } from "./connectionStore.ts";
import type { RenewalRule, TokenTimes } from "./renewal.ts";
import { serviceTokenTimes, type ServiceTokenRow } from "./serviceTokenStore.ts";
import type { AccessTokenResult } from "./storage.ts";

/**
 * A connection's (or an integration's service) current access token, opened, in memory only. The plaintext
 * sits in a private field: JSON (what a logger writes) and `util.inspect` show neither it nor the scopes.
 */
class HeldToken {
  /** One frozen answer, handed to every reader: the token route serialises it once (appTokens.ts). */
  readonly #result: Readonly<AccessTokenResult>;

  constructor(
    result: AccessTokenResult,
    readonly times: TokenTimes,
  ) {
    this.#result = Object.freeze({
      accessToken: result.accessToken,
      tokenType: result.tokenType,
      expiresAt: result.expiresAt,
      scopes: Object.freeze([...result.scopes]),
    });
  }

  /** The same frozen object each time. */
  result(): Readonly<AccessTokenResult> {
    return this.#result;
  }

  /** An estimate of what it holds, for the cache's byte bound. */
  get bytes(): number {
    return 2 * this.#result.accessToken.length + 64 * this.#result.scopes.length + 200;
  }

  toJSON(): string {
    return "[held token]";
  }

  [inspect.custom](): string {
    return "HeldToken [held token]";
  }
}

export interface HeldTokenLimits {
  /** Connections (and service tokens) held at most; default 10,000. */
  maxEntries?: number;
  /** Estimated bytes held at most; default 32 MiB. */
  maxBytes?: number;
}

/**
 * The token caches of the token API: per (integration, user) the connection's current access token, per
 * integration its service token, tagged with the row's connection (or integration) id and holding the
 * row's issue and expiry times. Any write that changes the row (a new version) publishes its change, which
 * drops the entry. An entry is served only while the renewal rule keeps it (renewal.ts) and goes at the
 * token's expiry, the safety TTL, or the change that names its connection, integration or user — whichever
 * comes first.
 */
export class HeldTokens {
  private readonly users: BoundedCache<HeldToken>;
  private readonly services: BoundedCache<HeldToken>;

  constructor(
    private readonly coherence: CacheCoherence,
    limits: HeldTokenLimits = {},
  ) {
    const options = {
      maxEntries: limits.maxEntries ?? 10_000,
      maxBytes: limits.maxBytes ?? 32 * 1024 * 1024,
      weigh: (held: HeldToken) => held.bytes,
    };
    this.users = coherence.cache("connection_tokens", options);
    this.services = coherence.cache("service_tokens", options);
  }

  /**
   * The held token of (integration, user), if the rule keeps it now; null: read the database. `peek` (the
   * token route's hot path, which hands a miss on to the full path) counts only a hit, so that a miss is
   * counted once, by the lookup that handles it.
   */
  userToken(
    integrationId: string,
    userId: string,
    rule: RenewalRule,
    peek = false,
  ): AccessTokenResult | null {
    return this.lookup("connection_tokens", this.users, `${integrationId}:${userId}`, rule, peek);
  }

  serviceToken(integrationId: string, rule: RenewalRule, peek = false): AccessTokenResult | null {
    return this.lookup("service_tokens", this.services, integrationId, rule, peek);
  }

  /** Taken before reading the row whose token may then be held. */
  ticket(): LoadTicket {
    return this.coherence.ticket();
  }

  /** Holds `result`, read from `row` after `ticket`, unless a change touching it was heard meanwhile. */
  holdUserToken(row: ConnectionRow, result: AccessTokenResult, ticket: LoadTicket): void {
    if (row.status !== "connected") return;
    const tags = [tagOf.connection(row.id), tagOf.integration(row.integration_id), tagOf.user(row.user_id)];
    if (!this.coherence.mayStore(ticket, tags)) return;
    const key = `${row.integration_id}:${row.user_id}`;
    this.users.set(
      key,
      new HeldToken(result, connectionTimes(row)),
      this.coherence.expiry(result.expiresAt),
      tags,
    );
  }

  holdServiceToken(row: ServiceTokenRow, result: AccessTokenResult, ticket: LoadTicket): void {
    const tags = [tagOf.service(row.integration_id), tagOf.integration(row.integration_id)];
    if (!this.coherence.mayStore(ticket, tags)) return;
    const held = new HeldToken(result, serviceTokenTimes(row));
    this.services.set(row.integration_id, held, this.coherence.expiry(result.expiresAt), tags);
  }

  private lookup(
    name: string,
    cache: BoundedCache<HeldToken>,
    key: string,
    rule: RenewalRule,
    peek: boolean,
  ): AccessTokenResult | null {
    if (!this.coherence.usable()) {
      if (!peek) this.coherence.count(name, "bypassed");
      return null;
    }
    const now = this.coherence.now();
    const held = cache.get(key, now);
    if (!held || rule(held.times, now)) {
      if (!peek) this.coherence.count(name, "misses");
      return null;
    }
    this.coherence.count(name, "hits");
    return held.result();
  }
}
