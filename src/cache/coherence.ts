import type { ChangeFeed, FeedEvent } from "../db/changeFeed.ts";
import type { ChangeKind } from "../db/changeFeedWire.ts";
import { BoundedCache, type BoundedCacheOptions } from "./boundedCache.ts";

/**
 * The tags cache entries carry, one per thing a change can name (the one spelling: entries are stored with
 * these and changes drop them).
 */
export const tagOf = {
  pat: (tokenHash: string) => `pat:${tokenHash}`,
  session: (sessionId: string) => `session:${sessionId}`,
  user: (userId: string) => `user:${userId}`,
  integration: (integrationId: string) => `integration:${integrationId}`,
  connection: (connectionId: string) => `connection:${connectionId}`,
  service: (integrationId: string) => `service:${integrationId}`,
} as const;

/** What each kind of change drops (src/db/changeFeedWire.ts says what each key names). */
const TAG_OF_CHANGE: Record<Exclude<ChangeKind, "flush">, (key: string) => string> = {
  pat_revoked: tagOf.pat,
  session_ended: tagOf.session,
  user_changed: tagOf.user,
  integration_changed: tagOf.integration,
  connection_changed: tagOf.connection,
  service_token_changed: tagOf.service,
};

/** A load's place in the order of changes: taken before reading the database, checked before storing. */
export type LoadTicket = number;

export interface CoherenceOptions {
  /** The longest any entry lives (the safety TTL); 0 turns caching off. */
  ttlMs: number;
  now: () => number;
  /** How many recent drops are remembered for loads under way (default 4096); see `mayStore`. */
  rememberDrops?: number;
}

/** Lookups per cache, for /metrics. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Caching off or the feed down: read through. */
  bypassed: number;
}

/**
 * Keeps every in-process cache of a hub coherent with the database through the change feed: each change
 * drops the entries tagged with what it names, a flush (or a lost listener) drops everything, and nothing is
 * served or stored while the feed is not live. Entries live at most the safety TTL, in case a change is
 * ever missed.
 *
 * The race it closes: a load reads the database, a change commits and is heard (dropping nothing: the value
 * is not stored yet), then the load stores what it read — stale. So a load takes a ticket before it reads,
 * and may store only if no drop touching its tags (nor a flush) was heard since.
 */
export class CacheCoherence {
  private readonly caches = new Map<string, { cache: BoundedCache<unknown>; stats: CacheStats }>();
  private generation = 0;
  private lastFlush = 0;
  /** Tag → generation of its latest drop; the oldest are forgotten past `rememberDrops`. */
  private readonly drops = new Map<string, number>();
  /** Loads with a ticket below this may have missed a forgotten drop. */
  private forgottenBefore = 0;
  private readonly ttlMs: number;
  private readonly rememberDrops: number;
  readonly now: () => number;
  /** SQLite's feed reads its table when polled; PostgreSQL's hears notifications without being asked. */
  private readonly pollsTable: boolean;
  /** Set by a poll, cleared at the end of the event loop's turn (setImmediate). */
  private polledThisTurn = false;
  private readonly endTurn = () => {
    this.polledThisTurn = false;
  };

  constructor(
    private readonly feed: ChangeFeed | null,
    options: CoherenceOptions,
  ) {
    this.ttlMs = feed ? Math.max(0, options.ttlMs) : 0;
    this.now = options.now;
    this.rememberDrops = options.rememberDrops ?? 4096;
    this.pollsTable = feed?.status().transport === "table";
    feed?.subscribe((event) => this.apply(event));
  }

  /** A cache that this coherence keeps; `name` labels its metrics. */
  cache<V>(name: string, options: BoundedCacheOptions<V>): BoundedCache<V> {
    const cache = new BoundedCache<V>(this.ttlMs > 0 ? options : { ...options, maxEntries: 0 });
    this.caches.set(name, {
      cache: cache as BoundedCache<unknown>,
      stats: { hits: 0, misses: 0, bypassed: 0 },
    });
    return cache;
  }

  /**
   * Call before reading a cache: applies what the feed has to tell (SQLite reads it here, synchronously) and
   * says whether the cache may be used now.
   *
   * SQLite's read runs once per turn of the event loop: a token read looks in three caches, and the read, a
   * few microseconds, took a sixth of a warm token read's CPU when run for each. What runs in one turn is
   * concurrent (no request answered in it was sent after another's answer), so a change committed during
   * the turn may be heard from the next one.
   */
  usable(): boolean {
    if (this.ttlMs === 0 || !this.feed) return false;
    if (!this.pollsTable) {
      this.feed.poll();
    } else if (!this.polledThisTurn) {
      this.polledThisTurn = true;
      setImmediate(this.endTurn);
      this.feed.poll();
    }
    return this.feed.live;
  }

  /** Counts a lookup of cache `name` (hit, miss, or bypassed when `usable()` said no). */
  count(name: string, result: keyof CacheStats): void {
    const entry = this.caches.get(name);
    if (entry) entry.stats[result] += 1;
  }

  /** Taken before reading the database for a value to store. */
  ticket(): LoadTicket {
    return this.generation;
  }

  /** Whether a value read after `ticket` may be stored under `tags`: nothing touching them was dropped since. */
  mayStore(ticket: LoadTicket, tags: readonly string[]): boolean {
    if (this.ttlMs === 0 || !this.feed?.live) return false;
    if (this.lastFlush > ticket || this.forgottenBefore > ticket) return false;
    return tags.every((tag) => (this.drops.get(tag) ?? -1) <= ticket);
  }

  /** When an entry stored now must go: at the safety TTL, or `until` (a token's or a session's end) if sooner. */
  expiry(until: number | null = null): number {
    const ttlEnd = this.now() + this.ttlMs;
    return until === null ? ttlEnd : Math.min(ttlEnd, until);
  }

  /** Entries and lookups per cache. */
  stats(): { name: string; entries: number; bytes: number; lookups: CacheStats }[] {
    return [...this.caches].map(([name, { cache, stats }]) => ({
      name,
      entries: cache.size,
      bytes: cache.weight,
      lookups: { ...stats },
    }));
  }

  private apply(event: FeedEvent): void {
    this.generation += 1;
    if (event.type === "flush") {
      this.lastFlush = this.generation;
      this.drops.clear();
      for (const { cache } of this.caches.values()) cache.clear();
      return;
    }
    const tag = TAG_OF_CHANGE[event.change.kind as Exclude<ChangeKind, "flush">](event.change.key);
    for (const { cache } of this.caches.values()) cache.dropTag(tag);
    this.drops.delete(tag);
    this.drops.set(tag, this.generation);
    if (this.drops.size > this.rememberDrops) {
      const [oldest, generation] = this.drops.entries().next().value as [string, number];
      this.drops.delete(oldest);
      this.forgottenBefore = Math.max(this.forgottenBefore, generation);
    }
  }
}
