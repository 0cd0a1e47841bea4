import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { CacheCoherence } from "../cache/coherence.ts";
import type { FeedEvent } from "../db/changeFeed.ts";
import { fakeFeed } from "../../test/helpers/fakeFeed.ts";
import { connectionRow } from "../../test/helpers/connectionRow.ts";
import type { ConnectionRow } from "./connectionStore.ts";
import { HeldTokens } from "./heldTokens.ts";
import { forcedRenewal, validFor } from "./renewal.ts";

const NOW = 1_800_000_000_000;
let now = NOW;

function setup() {
  const feed = fakeFeed();
  const coherence = new CacheCoherence(feed.feed, { ttlMs: 30_000, now: () => now });
  return { held: new HeldTokens(coherence), emit: (event: FeedEvent) => feed.emit(event), coherence };
}

const row = (overrides: Partial<ConnectionRow> = {}): ConnectionRow =>
  connectionRow({ scopes: '["s"]', expires_at: NOW + 3_600_000, connected_at: NOW, ...overrides });

const result = {
  accessToken: "AT-secret-1",
  tokenType: "Bearer" as const,
  expiresAt: NOW + 3_600_000,
  scopes: ["s"],
};

describe("HeldTokens", () => {
  it("serves a held token while the rule keeps it, never past its expiry or the safety TTL", () => {
    now = NOW;
    const { held } = setup();
    held.holdUserToken(row(), result, held.ticket());
    expect(held.userToken("i1", "u1", validFor(60_000))).toEqual(result);
    // A forced refresh of a token issued just now is served from memory; of one issued a minute ago, not.
    expect(held.userToken("i1", "u1", forcedRenewal())).toEqual(result);
    const older = setup().held;
    older.holdUserToken(row({ connected_at: NOW - 60_000 }), result, older.ticket());
    expect(older.userToken("i1", "u1", forcedRenewal())).toBeNull();
    now = NOW + 29_999;
    expect(held.userToken("i1", "u1", validFor(60_000))).toEqual(result);
    now = NOW + 30_000;
    expect(held.userToken("i1", "u1", validFor(60_000))).toBeNull();
  });

  it("counts a peek's hit but leaves its miss to the lookup that follows it", () => {
    now = NOW;
    const { held, coherence } = setup();
    const lookups = () => coherence.stats().find((c) => c.name === "connection_tokens")!.lookups;
    expect(held.userToken("i1", "u1", validFor(60_000), true)).toBeNull();
    expect(lookups()).toEqual({ hits: 0, misses: 0, bypassed: 0 });
    expect(held.userToken("i1", "u1", validFor(60_000))).toBeNull();
    expect(lookups()).toEqual({ hits: 0, misses: 1, bypassed: 0 });
    held.holdUserToken(row(), result, held.ticket());
    expect(held.userToken("i1", "u1", validFor(60_000), true)).toEqual(result);
    expect(lookups()).toEqual({ hits: 1, misses: 1, bypassed: 0 });
  });

  it("drops the token of a connection, integration or user that changed", () => {
    now = NOW;
    for (const change of [
      { kind: "connection_changed", key: "c1" },
      { kind: "integration_changed", key: "i1" },
      { kind: "user_changed", key: "u1" },
    ] as const) {
      const { held, emit } = setup();
      held.holdUserToken(row(), result, held.ticket());
      emit({ type: "change", change });
      expect(held.userToken("i1", "u1", validFor(0))).toBeNull();
    }
  });

  it("holds nothing for a connection that needs reconnecting", () => {
    const { held } = setup();
    held.holdUserToken(row({ status: "reconnect_required" }), result, held.ticket());
    expect(held.userToken("i1", "u1", validFor(0))).toBeNull();
  });

  it("never shows the plaintext in JSON or util.inspect (what a logger would print)", () => {
    now = NOW;
    const { held } = setup();
    held.holdUserToken(row(), result, held.ticket());
    const text = `${JSON.stringify(held)} ${inspect(held, { depth: 10, showHidden: true })}`;
    expect(text).not.toContain("AT-secret-1");
  });
});
