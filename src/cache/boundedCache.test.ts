import { describe, expect, it } from "vitest";
import { BoundedCache } from "./boundedCache.ts";

const NOW = 1_000;

describe("BoundedCache", () => {
  it("returns what was stored until it expires, then forgets it", () => {
    const cache = new BoundedCache<string>({ maxEntries: 10 });
    cache.set("k", "v", NOW + 100, []);
    expect(cache.get("k", NOW + 99)).toBe("v");
    expect(cache.get("k", NOW + 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("drops the least recently used entry past its entry bound", () => {
    const cache = new BoundedCache<string>({ maxEntries: 2 });
    cache.set("a", "1", NOW + 100, []);
    cache.set("b", "2", NOW + 100, []);
    cache.get("a", NOW); // a is now the most recent
    cache.set("c", "3", NOW + 100, []);
    expect(cache.get("b", NOW)).toBeUndefined();
    expect(cache.get("a", NOW)).toBe("1");
    expect(cache.get("c", NOW)).toBe("3");
  });

  it("gives a read entry one second chance, not two", () => {
    const cache = new BoundedCache<string>({ maxEntries: 3 });
    for (const key of ["a", "b", "c"]) cache.set(key, key, NOW + 100, []);
    cache.get("a", NOW);
    cache.get("b", NOW);
    cache.set("d", "d", NOW + 100, []); // a and b move back unmarked; c, never read, goes
    expect(cache.get("c", NOW)).toBeUndefined();
    cache.get("d", NOW);
    cache.set("e", "e", NOW + 100, []); // d moves back; a, not read since its chance, goes
    expect([cache.get("a", NOW), cache.get("b", NOW), cache.get("d", NOW), cache.get("e", NOW)]).toEqual([
      undefined,
      "b",
      "d",
      "e",
    ]);
    expect(cache.size).toBe(3);
  });

  it("keeps its estimated bytes under the bound, and refuses a value bigger than all of it", () => {
    const cache = new BoundedCache<string>({ maxEntries: 100, maxBytes: 10, weigh: (v) => v.length });
    cache.set("a", "xxxx", NOW + 100, []);
    cache.set("b", "yyyy", NOW + 100, []);
    cache.set("c", "zzzz", NOW + 100, []);
    expect(cache.weight).toBe(8);
    expect(cache.get("a", NOW)).toBeUndefined();
    cache.set("huge", "x".repeat(11), NOW + 100, []);
    expect(cache.get("huge", NOW)).toBeUndefined();
    expect(cache.weight).toBe(8);
  });

  it("drops every entry of a tag at once, and only those", () => {
    const cache = new BoundedCache<string>({ maxEntries: 10 });
    cache.set("s1", "alice's session", NOW + 100, ["user:alice", "session:1"]);
    cache.set("t1", "alice's token", NOW + 100, ["user:alice", "pat:1"]);
    cache.set("t2", "bob's token", NOW + 100, ["user:bob", "pat:2"]);
    cache.dropTag("user:alice");
    expect([cache.get("s1", NOW), cache.get("t1", NOW), cache.get("t2", NOW)]).toEqual([
      undefined,
      undefined,
      "bob's token",
    ]);
    // A replaced entry leaves its old tags behind.
    cache.set("t2", "bob's new token", NOW + 100, ["user:bob", "pat:3"]);
    cache.dropTag("pat:2");
    expect(cache.get("t2", NOW)).toBe("bob's new token");
  });

  it("holds nothing with a bound of zero entries", () => {
    const cache = new BoundedCache<string>({ maxEntries: 0 });
    cache.set("k", "v", NOW + 100, []);
    expect(cache.get("k", NOW)).toBeUndefined();
  });
});
