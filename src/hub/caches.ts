import fp from "fastify-plugin";
import { CacheCoherence } from "../cache/coherence.ts";
import { openChangeFeed, type ChangeFeed } from "../db/changeFeed.ts";
import { HeldTokens } from "../vault/heldTokens.ts";
import { CredentialCache } from "./identity/credentialCache.ts";

/** The hub's in-process caches and what keeps them coherent across hubs. */
export interface HubCaches {
  coherence: CacheCoherence;
  /** The token API's connection and service tokens (handed to TokenService). */
  heldTokens: HeldTokens;
  /** Personal access tokens and sessions (the authentication plugin's lookups). */
  credentials: CredentialCache;
}

/**
 * Opens the change feed of the hub's database and builds the caches on it (docs/architecture.md, "change
 * feed and caches"). Decorates `changeFeed` (null when the store cannot open one: caches read through) and
 * `caches`. GATEHOUSE_CACHE_TTL_SECONDS=0 keeps the feed (for /readyz) but turns every cache off.
 */
export const cachesPlugin = fp(
  async (app) => {
    const { config, store, accounts, now } = app;
    const log = app.log.child({ module: "change-feed" });
    let feed: ChangeFeed | null = null;
    try {
      feed = await openChangeFeed(store, {
        now,
        onStateChange: (state, detail) => {
          if (state === "live") log.info("change feed listening; caches on");
          else
            log.warn(
              { reason: detail.error },
              "change feed listener down; caches read through until it is back",
            );
        },
      });
    } catch (err) {
      log.warn({ err }, "no change feed for this database; caches off");
    }
    const coherence = new CacheCoherence(feed, { ttlMs: config.cacheTtlSeconds * 1000, now });
    app.metrics.watchCaches(coherence, feed);
    app.decorate("changeFeed", feed);
    app.decorate("caches", {
      coherence,
      heldTokens: new HeldTokens(coherence),
      credentials: new CredentialCache(accounts, coherence),
    } satisfies HubCaches);
    app.addHook("onClose", async () => {
      await feed?.close();
    });
  },
  { name: "gatehouse-caches", dependencies: ["gatehouse-core", "gatehouse-metrics", "gatehouse-accounts"] },
);
