import { describe, expect, it } from "vitest";
import { fakeFeed } from "../../test/helpers/fakeFeed.ts";
import { CacheCoherence, tagOf } from "./coherence.ts";

const NOW = 10_000;

function setup(ttlMs = 30_000) {
  const feed = fakeFeed();
  const coherence = new CacheCoherence(feed.feed, {
    ttlMs,
    now: () => NOW,
    rememberDrops: 2,
  });
  const cache = coherence.cache<string>("tokens", { maxEntries: 10 });
  return { feed, coherence, cache };
}

describe("CacheCoherence", () => {
  it("drops the entries a change names, in every cache it keeps", () => {
    const { feed, coherence, cache } = setup();
    const other = coherence.cache<string>("sessions", { maxEntries: 10 });
    cache.set("a", "alice", NOW + 1000, [tagOf.user("alice")]);
    other.set("s", "alice's session", NOW + 1000, [tagOf.user("alice")]);
    cache.set("b", "bob", NOW + 1000, [tagOf.user("bob")]);
    feed.emit({ type: "change", change: { kind: "user_changed", key: "alice" } });
    expect([cache.get("a", NOW), other.get("s", NOW), cache.get("b", NOW)]).toEqual([
      undefined,
      undefined,
      "bob",
    ]);
  });

  it("refuses to store a value loaded before a change that touches it (the load/change race)", () => {
    const { feed, coherence } = setup();
    const ticket = coherence.ticket();
    feed.emit({ type: "change", change: { kind: "pat_revoked", key: "h1" } });
    expect(coherence.mayStore(ticket, [tagOf.pat("h1")])).toBe(false);
    expect(coherence.mayStore(ticket, [tagOf.pat("h2")])).toBe(true);
    expect(coherence.mayStore(coherence.ticket(), [tagOf.pat("h1")])).toBe(true);
  });

  it("refuses every load under way at a flush, and one older than the drops it still remembers", () => {
    const { feed, coherence } = setup();
    const old = coherence.ticket();
    for (const key of ["x", "y", "z"]) feed.emit({ type: "change", change: { kind: "pat_revoked", key } });
    // Only two drops are remembered: "x" was forgotten, so a load from before it cannot be trusted.
    expect(coherence.mayStore(old, [tagOf.pat("unrelated")])).toBe(false);
    const ticket = coherence.ticket();
    feed.emit({ type: "flush", reason: "listener_lost" });
    expect(coherence.mayStore(ticket, [tagOf.pat("unrelated")])).toBe(false);
  });

  it("a flush empties every cache", () => {
    const { feed, cache } = setup();
    cache.set("a", "1", NOW + 1000, []);
    feed.emit({ type: "flush", reason: "gap" });
    expect(cache.size).toBe(0);
  });

  it("is not usable, and stores nothing, while the feed is down or the TTL is 0", () => {
    const { feed, coherence } = setup();
    expect(coherence.usable()).toBe(true);
    expect(feed.polls).toBe(1);
    feed.live = false;
    expect(coherence.usable()).toBe(false);
    expect(coherence.mayStore(coherence.ticket(), [])).toBe(false);
    const off = setup(0);
    expect(off.coherence.usable()).toBe(false);
    off.cache.set("a", "1", NOW + 1000, []);
    expect(off.cache.size).toBe(0);
  });

  it("reads SQLite's table once per turn of the event loop, however many caches a request looks in", async () => {
    const feed = fakeFeed("table");
    const coherence = new CacheCoherence(feed.feed, { ttlMs: 30_000, now: () => NOW });
    expect([coherence.usable(), coherence.usable(), coherence.usable()]).toEqual([true, true, true]);
    expect(feed.polls).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    coherence.usable();
    expect(feed.polls).toBe(2);
  });

  it("an entry lives until the safety TTL, or its own end when sooner", () => {
    const { coherence } = setup(30_000);
    expect(coherence.expiry()).toBe(NOW + 30_000);
    expect(coherence.expiry(NOW + 5_000)).toBe(NOW + 5_000);
    expect(coherence.expiry(NOW + 60_000)).toBe(NOW + 30_000);
  });
});
