import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CacheCoherence } from "../../cache/coherence.ts";
import type { ChangeFeed } from "../../db/changeFeed.ts";
import type { RefreshOutcome, TokenMetrics, UpstreamOperation } from "../../vault/upstream.ts";

/**
 * The hub's Prometheus metrics, one registry per hub instance (tests run several hubs in one process, and
 * prom-client's global registry would mix them). TokenService receives this as its `metrics` adapter.
 */
export class HubMetrics implements TokenMetrics {
  readonly registry = new Registry();
  /** Token API answers by outcome since the hub started (the counter reads it at each scrape). */
  private readonly tokenRequestsByOutcome = new Map<string, number>();
  private readonly refreshCounter: Counter<"outcome" | "kind">;
  private readonly upstream: Histogram<"operation">;
  private readonly connections: Gauge;

  constructor(options: { countConnections?: () => Promise<number>; defaultMetrics?: boolean } = {}) {
    const byOutcome = this.tokenRequestsByOutcome;
    new Counter({
      name: "gatehouse_token_requests_total",
      help: "Token API requests by outcome (ok, login_required, provider_unavailable, …)",
      labelNames: ["outcome"],
      registers: [this.registry],
      // Counted in a plain map on the token path and handed over at each scrape: labelling a prom-client
      // counter per request hashes its labels every time.
      collect() {
        this.reset();
        for (const [outcome, n] of byOutcome) this.inc({ outcome }, n);
      },
    });
    this.refreshCounter = new Counter({
      name: "gatehouse_token_refreshes_total",
      help: "Token refreshes by outcome (success, skipped, invalid_grant, provider_unavailable, error) and kind (user, service)",
      labelNames: ["outcome", "kind"],
      registers: [this.registry],
    });
    this.upstream = new Histogram({
      name: "gatehouse_upstream_request_duration_seconds",
      help: "Latency of calls to providers' token, revocation and introspection endpoints",
      labelNames: ["operation"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const count = options.countConnections;
    this.connections = new Gauge({
      name: "gatehouse_open_connections",
      help: "Stored user connections (all integrations)",
      registers: [this.registry],
      async collect() {
        if (count) this.set(await count());
      },
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "gatehouse_" });
  }

  /** One token API answer; `outcome` is "ok" or the error code. */
  tokenRequest(outcome: string): void {
    const counts = this.tokenRequestsByOutcome;
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }

  /** TokenMetrics: one refresh decision. */
  refreshes(outcome: RefreshOutcome, kind: "user" | "service"): void {
    this.refreshCounter.inc({ outcome, kind });
  }

  /** TokenMetrics: one upstream call and how long it took. */
  upstreamLatency(seconds: number, operation: UpstreamOperation | "code_exchange"): void {
    this.upstream.observe({ operation }, seconds);
  }

  /**
   * Reports the caches and the change feed at each scrape: entries and bytes per cache, lookups by result
   * (hits, misses, bypassed), whether the feed is live and how often its listener was lost.
   */
  watchCaches(coherence: CacheCoherence, feed: ChangeFeed | null): void {
    const registers = [this.registry];
    new Gauge({
      name: "gatehouse_cache_entries",
      help: "Entries held per in-process cache",
      labelNames: ["cache"],
      registers,
      collect() {
        for (const cache of coherence.stats()) this.set({ cache: cache.name }, cache.entries);
      },
    });
    new Counter({
      name: "gatehouse_cache_lookups_total",
      help: "Cache lookups by result: hits, misses, bypassed (caches off or the change feed down)",
      labelNames: ["cache", "result"],
      registers,
      collect() {
        this.reset();
        for (const cache of coherence.stats()) {
          const lookups: Record<string, number> = { ...cache.lookups };
          for (const [result, n] of Object.entries(lookups)) this.inc({ cache: cache.name, result }, n);
        }
      },
    });
    new Gauge({
      name: "gatehouse_change_feed_live",
      help: "1 while the change feed hears every change (caches on), 0 while its listener is down",
      registers,
      collect() {
        this.set(feed?.live ? 1 : 0);
      },
    });
    new Gauge({
      name: "gatehouse_change_feed_losses",
      help: "Times the change feed's listener was lost since the hub started",
      registers,
      collect() {
        this.set(feed?.status().losses ?? 0);
      },
    });
  }

  setOpenConnections(count: number): void {
    this.connections.set(count);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
