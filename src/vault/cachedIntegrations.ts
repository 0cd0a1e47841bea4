import type { BoundedCache } from "../cache/boundedCache.ts";
import { tagOf, type CacheCoherence, type LoadTicket } from "../cache/coherence.ts";
import { SharedLoads } from "../cache/sharedLoads.ts";
import type { Integration, IntegrationStore } from "./integrationStore.ts";

/**
 * Integrations by name for the token API, in memory between changes. What is held is the store's
 * Integration, whose client secret stays sealed until a call to the provider reads it (integrationStore.ts);
 * frozen, since every request shares it. An entry goes at the safety TTL or when the integration changes
 * (renamed, updated or deleted: `integration_changed`). Unknown names are not remembered.
 */
export class CachedIntegrations {
  private readonly byName: BoundedCache<Integration>;
  /** Concurrent misses of one name share one read (sharedLoads.ts). */
  private readonly loading = new SharedLoads<Integration | null>();

  constructor(
    private readonly store: IntegrationStore,
    private readonly coherence: CacheCoherence,
    maxEntries = 1_000,
  ) {
    this.byName = coherence.cache("integrations", { maxEntries });
  }

  /**
   * The integration when it is held now, else undefined (then `get`): synchronous, so the token route can
   * answer a held token without a promise. Counts a hit; a miss is left for `get` to count.
   */
  held(name: string): Integration | undefined {
    return this.coherence.usable() ? this.hit(name) : undefined;
  }

  async get(name: string): Promise<Integration | null> {
    const { coherence } = this;
    if (!coherence.usable()) {
      coherence.count("integrations", "bypassed");
      return this.store.get(name);
    }
    const held = this.hit(name);
    if (held) return held;
    coherence.count("integrations", "misses");
    const ticket = coherence.ticket();
    return this.loading.load(name, ticket, () => this.load(name, ticket));
  }

  /** The store's integration, frozen (the requests that shared the read share it), held unless a change came. */
  private async load(name: string, ticket: LoadTicket): Promise<Integration | null> {
    const { coherence } = this;
    const found = await this.store.get(name);
    if (!found) return null;
    const integration = freeze(found);
    const tags = [tagOf.integration(integration.id)];
    if (coherence.mayStore(ticket, tags)) this.byName.set(name, integration, coherence.expiry(), tags);
    return integration;
  }

  /** The held entry, counted as a hit; undefined when none (the caller has asked `usable()`). */
  private hit(name: string): Integration | undefined {
    const held = this.byName.get(name, this.coherence.now());
    if (held) this.coherence.count("integrations", "hits");
    return held;
  }
}

function freeze(integration: Integration): Integration {
  Object.freeze(integration.apps);
  Object.freeze(integration.scopes);
  return Object.freeze(integration);
}
