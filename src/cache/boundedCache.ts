/**
 * An in-process cache bounded in entries and in (estimated) bytes, with an expiry per entry and tags that
 * drop every entry carrying them at once. When a bound is reached the oldest entry not used since it was last
 * passed over goes first (the "second chance" approximation of least recently used: a hit only sets a bit,
 * where moving the entry in the map cost a delete and an insert on every read). An expired entry is never
 * returned and goes when it is next looked at.
 *
 * It only stores and forgets: whether an entry may be stored at all, and when to drop which tags, is the
 * caller's (CacheCoherence, from the change feed).
 */
export interface BoundedCacheOptions<V> {
  /** At most this many entries. */
  maxEntries: number;
  /** At most this many bytes, as `weigh` estimates them (default: no byte bound). */
  maxBytes?: number;
  /** An entry's estimated size in bytes (default 1, so maxBytes counts entries). */
  weigh?: (value: V) => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  tags: readonly string[];
  bytes: number;
  /** Read since it was stored or last passed over by eviction. */
  used: boolean;
}

export class BoundedCache<V> {
  /** Map order is insertion order; eviction takes from the front, moving a used entry to the back once. */
  private readonly entries = new Map<string, Entry<V>>();
  private readonly byTag = new Map<string, Set<string>>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly weigh: (value: V) => number;

  constructor(options: BoundedCacheOptions<V>) {
    this.maxEntries = Math.max(0, options.maxEntries);
    this.maxBytes = options.maxBytes ?? Infinity;
    this.weigh = options.weigh ?? (() => 1);
  }

  /** The live entry for `key` at `now`, or undefined (an expired one is dropped). */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  /** Stores `value` until `expiresAt`, replacing any entry for `key`; drops the least recent past a bound. */
  set(key: string, value: V, expiresAt: number, tags: readonly string[]): void {
    this.delete(key);
    const bytes = this.weigh(value);
    if (this.maxEntries === 0 || bytes > this.maxBytes) return;
    this.entries.set(key, { value, expiresAt, tags, bytes, used: false });
    this.bytes += bytes;
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      const [oldestKey, entry] = oldest.value;
      if (entry.used) {
        // Its second chance: to the back, unmarked. Each entry gets one per pass, so this ends.
        entry.used = false;
        this.entries.delete(oldestKey);
        this.entries.set(oldestKey, entry);
        continue;
      }
      this.delete(oldestKey);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }

  /** Drops every entry tagged `tag`. */
  dropTag(tag: string): void {
    const keys = this.byTag.get(tag);
    if (!keys) return;
    for (const key of [...keys]) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.byTag.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes held. */
  get weight(): number {
    return this.bytes;
  }
}
