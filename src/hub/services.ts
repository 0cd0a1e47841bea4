import fp from "fastify-plugin";
import type { HubConfig } from "../config/index.ts";
import type { Store } from "../db/index.ts";
import { CachedIntegrations } from "../vault/cachedIntegrations.ts";
import { IntegrationStore } from "../vault/integrationStore.ts";
import { OAuthStateStore } from "../vault/oauthStates.ts";
import type { SecretCipher, VaultStore } from "../vault/storage.ts";
import { TokenService, type TokenServiceOptions } from "../vault/tokenService.ts";
import { AccountStore } from "./identity/accounts.ts";
import { AuditLog } from "./identity/auditLog.ts";
import { IssuanceCounter } from "./tokens/issuanceCounter.ts";
import { TokenRefusals } from "./identity/tokenRefusals.ts";
import { UserLifecycle } from "./identity/userLifecycle.ts";
import { HubMetrics } from "./http/metrics.ts";
import { OidcSignIn } from "./identity/oidcSignIn.ts";
import { oauthConfigFor } from "./connect/oauthConfig.ts";

/**
 * The hub's services, one fastify-plugin each: each decorates the root instance with what it owns and names
 * the plugins it builds on, so Fastify refuses a hub wired in the wrong order. Route plugins read the
 * decorations (`app.integrations`, `app.tokens`, …); nothing changes them after registration.
 */

/** The database as the hub uses it: src/db's Store (the change feed needs its SQLite or PostgreSQL handle). */
export type HubStore = VaultStore & Pick<Store, "close" | "sqlite" | "newPgClient">;

export interface CoreOptions {
  config: HubConfig;
  store: HubStore;
  keyRing: SecretCipher;
  now: () => number;
}

/** The configuration, the database, the key ring and the clock: what every other service builds on. */
export const corePlugin = fp<CoreOptions>(
  async (app, { config, store, keyRing, now }) => {
    app.decorate("config", config);
    app.decorate("store", store);
    app.decorate("keyRing", keyRing);
    app.decorate("now", now);
  },
  { name: "gatehouse-core", fastify: "5.x" },
);

/** Prometheus metrics, one registry per hub (tests run several hubs in one process). */
export const metricsPlugin = fp(
  async (app) => {
    const { db } = app.store;
    app.decorate(
      "metrics",
      new HubMetrics({
        countConnections: async () => {
          const row = await db
            .selectFrom("connections")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow();
          return Number(row.n);
        },
      }),
    );
  },
  { name: "gatehouse-metrics", dependencies: ["gatehouse-core"] },
);

const RETENTION_INTERVAL_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The audit trail, its token-issuance counter (flushed every second and at close), and its retention
 * (GATEHOUSE_AUDIT_RETENTION_DAYS: pruned at start and hourly).
 */
export const auditPlugin = fp(
  async (app) => {
    const { store, now, config } = app;
    const audit = new AuditLog(store.db, now);
    const issuance = new IssuanceCounter({
      audit,
      db: store.db,
      now,
      log: app.log.child({ module: "audit" }),
    });
    app.decorate("audit", audit);
    app.decorate("issuance", issuance);
    const prune = () =>
      audit.prune(config.auditRetentionDays * DAY_MS).catch((err: unknown) => {
        app.log.warn({ err: (err as Error).message }, "audit retention could not prune");
      });
    let timer: NodeJS.Timeout | null = null;
    app.addHook("onReady", async () => {
      issuance.start();
      void prune();
      timer = setInterval(() => void prune(), RETENTION_INTERVAL_MS);
      timer.unref();
    });
    app.addHook("onClose", async () => {
      if (timer) clearInterval(timer);
      await issuance.stop();
    });
  },
  { name: "gatehouse-audit", dependencies: ["gatehouse-core"] },
);

/** Hub users, sessions and personal access tokens, and the user lifecycle. */
export const accountsPlugin = fp(
  async (app) => {
    const { store, now, keyRing, audit } = app;
    const accounts = new AccountStore(store.db, now, { cipher: keyRing, audit });
    app.decorate("accounts", accounts);
    app.decorate("tokenRefusals", new TokenRefusals(accounts.tokens, audit, now));
    app.decorate(
      "userLifecycle",
      new UserLifecycle({ db: store.db, dialect: store.dialect, accounts, audit, now }),
    );
  },
  { name: "gatehouse-accounts", dependencies: ["gatehouse-core", "gatehouse-audit"] },
);

export interface VaultPluginOptions {
  /** Overrides for the token service (retry policy, lease, OAuth steps) — tests. */
  tokenService?: Partial<
    Omit<TokenServiceOptions, "store" | "keyRing" | "oauthConfigFor" | "metrics" | "logger" | "heldTokens">
  >;
}

/**
 * The vault: integrations, tokens and pending authorizations, each sealed under the key ring; the token
 * API's reads go through the caches (caches.ts).
 */
export const vaultPlugin = fp<VaultPluginOptions>(
  async (app, options) => {
    const { config, store, keyRing, now, caches } = app;
    const configFor = oauthConfigFor.bind(null, config);
    const integrations = new IntegrationStore(store, keyRing, now);
    app.decorate("oauthConfigFor", configFor);
    app.decorate("integrations", integrations);
    app.decorate("cachedIntegrations", new CachedIntegrations(integrations, caches.coherence));
    app.decorate("oauthStates", new OAuthStateStore(store.db, keyRing, now));
    app.decorate(
      "tokens",
      new TokenService({
        ...options.tokenService,
        store,
        keyRing,
        now,
        oauthConfigFor: configFor,
        metrics: app.metrics,
        logger: app.log.child({ module: "vault" }),
        heldTokens: caches.heldTokens,
      }),
    );
  },
  { name: "gatehouse-vault", dependencies: ["gatehouse-core", "gatehouse-metrics", "gatehouse-caches"] },
);

/** Sign-in through the OpenID provider of GATEHOUSE_OIDC_* (or the sandbox's emulator), when there is one. */
export const oidcPlugin = fp(
  async (app) => {
    const { config, keyRing, now } = app;
    const oidc = config.oidc;
    app.decorate("oidcSignIn", oidc ? new OidcSignIn({ config, oidc, cipher: keyRing, now }) : null);
  },
  { name: "gatehouse-oidc", dependencies: ["gatehouse-core"] },
);
