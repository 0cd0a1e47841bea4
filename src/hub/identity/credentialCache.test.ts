import { describe, expect, it } from "vitest";
import { CacheCoherence } from "../../cache/coherence.ts";
import { hashToken } from "../../vault/hashing.ts";
import { fakeFeed } from "../../../test/helpers/fakeFeed.ts";
import type { AccountStore, PatCredential } from "./accounts.ts";
import { CredentialCache } from "./credentialCache.ts";

const NOW = 1_800_000_000_000;
const PAT = "gth_presented";

const credential = (): PatCredential => ({
  user: { id: "u-1", email: "alice@example.com", role: "user" },
  token: { id: "pat-1", scopes: ["tokens:read"], apps: null, expiresAt: NOW + 86_400_000 },
});

/** A credential cache over an account store whose reads wait until `release()`; `reads` counts them. */
function setup() {
  const feed = fakeFeed();
  const coherence = new CacheCoherence(feed.feed, { ttlMs: 30_000, now: () => NOW });
  const waiting: (() => void)[] = [];
  let reads = 0;
  const accounts = {
    userForPersonalAccessToken: async () => {
      reads += 1;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return credential();
    },
  } as unknown as AccountStore;
  const release = () => waiting.splice(0).forEach((resolve) => resolve());
  return { cache: new CredentialCache(accounts, coherence), coherence, feed, release, reads: () => reads };
}

describe("CredentialCache", () => {
  it("gives the requests that miss one credential at once one read of it", async () => {
    const { cache, release, reads } = setup();
    const lookups = Array.from({ length: 20 }, () => cache.userForPersonalAccessToken(PAT));
    expect(reads()).toBe(1);
    release();
    const answers = await Promise.all(lookups.map((lookup) => Promise.resolve(lookup)));
    expect(new Set(answers.map((a) => a?.user.id))).toEqual(new Set(["u-1"]));
    // Held now; and the finished read is not joined again.
    expect(cache.userForPersonalAccessToken(PAT)).toMatchObject({ user: { id: "u-1" } });
    expect(cache.heldPersonalAccessToken(PAT)?.token.id).toBe("pat-1");
    expect(reads()).toBe(1);
  });

  it("starts a new read for a request that came after a change the first read may have missed", async () => {
    const { cache, feed, release, reads } = setup();
    const first = cache.userForPersonalAccessToken(PAT);
    feed.emit({ type: "change", change: { kind: "pat_revoked", key: hashToken(PAT) } });
    const second = cache.userForPersonalAccessToken(PAT);
    expect(reads()).toBe(2);
    release();
    await Promise.all([first, second].map((lookup) => Promise.resolve(lookup)));
    // The first read began before the revocation was heard: not stored. The second is.
    expect(cache.heldPersonalAccessToken(PAT)).toBeDefined();
  });

  it("peeks without reading or counting a miss", () => {
    const { cache, coherence, release, reads } = setup();
    const lookups = () => coherence.stats().find((c) => c.name === "personal_access_tokens")?.lookups;
    expect(cache.heldPersonalAccessToken(PAT)).toBeUndefined();
    expect(reads()).toBe(0);
    expect(lookups()).toEqual({ hits: 0, misses: 0, bypassed: 0 });
    // The lookup that follows counts the miss, once.
    void cache.userForPersonalAccessToken(PAT);
    expect(lookups()).toMatchObject({ misses: 1 });
    release();
  });
});
