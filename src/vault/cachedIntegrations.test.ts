import { describe, expect, it } from "vitest";
import { CacheCoherence } from "../cache/coherence.ts";
import { fakeFeed } from "../../test/helpers/fakeFeed.ts";
import { CachedIntegrations } from "./cachedIntegrations.ts";
import type { Integration, IntegrationStore } from "./integrationStore.ts";

describe("CachedIntegrations", () => {
  it("gives the requests that miss one integration at once one read of it, frozen and then held", async () => {
    let reads = 0;
    const store = {
      get: async (name: string) => {
        reads += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return { id: "i-1", name, apps: ["a"], scopes: ["s"] } as unknown as Integration;
      },
    } as unknown as IntegrationStore;
    const coherence = new CacheCoherence(fakeFeed().feed, { ttlMs: 30_000, now: () => 1_000 });
    const integrations = new CachedIntegrations(store, coherence);
    const found = await Promise.all(Array.from({ length: 10 }, () => integrations.get("bentley-itwin")));
    expect(reads).toBe(1);
    expect(new Set(found)).toEqual(new Set([found[0]]));
    expect(Object.isFrozen(found[0])).toBe(true);
    expect(integrations.held("bentley-itwin")).toBe(found[0]);
    expect(reads).toBe(1);
  });
});
