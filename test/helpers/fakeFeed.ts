import type { ChangeFeed, FeedEvent } from "../../src/db/changeFeed.ts";

/**
 * A change feed driven by the test, for unit tests of the caches: `emit` delivers an event to every
 * subscriber, `live` is set directly, `polls` counts the polls. `feed` is it typed as a ChangeFeed.
 */
export function fakeFeed(transport: "notify" | "table" = "notify") {
  const listeners = new Set<(event: FeedEvent) => void>();
  const fake = {
    live: true,
    polls: 0,
    status: () => ({ state: "live", transport, since: 0, losses: 0 }),
    subscribe(listener: (event: FeedEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    poll() {
      fake.polls += 1;
    },
    emit(event: FeedEvent) {
      for (const listener of listeners) listener(event);
    },
  };
  // Not enumerable: a cache under test may be printed (JSON, inspect) with its feed.
  Object.defineProperty(fake, "feed", { value: fake, enumerable: false });
  return fake as typeof fake & { readonly feed: ChangeFeed };
}
