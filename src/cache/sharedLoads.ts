import type { LoadTicket } from "./coherence.ts";

/**
 * Reads of one key under way, so that the requests that miss it at once share one. When the safety TTL ends
 * an entry under load, every request in flight misses it together; without this each reads the database
 * (on PostgreSQL: fifty reads in the same millisecond, and for a token, fifty row-locked writes of its last
 * use). A request joins a read only if no change was heard since that read began (its `ticket`): the read
 * may have missed the change, and then a new one starts.
 */
export class SharedLoads<V> {
  private readonly loading = new Map<string, { ticket: LoadTicket; promise: Promise<V> }>();

  /** The read under way for `key` when it began at `ticket`, else `read()`'s, shared until it settles. */
  load(key: string, ticket: LoadTicket, read: () => Promise<V>): Promise<V> {
    const inFlight = this.loading.get(key);
    if (inFlight && inFlight.ticket === ticket) return inFlight.promise;
    const promise = read().finally(() => {
      if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
    });
    this.loading.set(key, { ticket, promise });
    return promise;
  }
}
