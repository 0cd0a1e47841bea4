import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import type { DestinationStream } from "pino";
import type { HubConfig } from "../config/index.ts";
import { openDatabase } from "../db/index.ts";
import { GatehouseError } from "../errors.ts";
import { IntegrationStore } from "../vault/integrationStore.ts";
import type { SecretCipher, VaultStore } from "../vault/storage.ts";
import { loadKeyRing } from "../vault/keyRing.ts";
import { TokenService, type TokenServiceOptions } from "../vault/tokenService.ts";
import {
  startBackgroundRefresher,
  type BackgroundRefresher,
  type BackgroundRefresherOptions,
} from "../vault/backgroundRefresher.ts";
import { AccountStore } from "./accounts.ts";
import { adminRoutes } from "./admin.ts";
import { authRoutes, bootstrapAdmin, installAuthentication } from "./auth.ts";
import type { AppDirectory, HubServices } from "./context.ts";
import { createLogger } from "./logger.ts";
import { HubMetrics } from "./metrics.ts";
import { oauthConfigFor } from "./oauthConfig.ts";
import { connectRoutes } from "./oauth.ts";
import { OAuthStateStore } from "../vault/oauthStates.ts";
import { opsRoutes } from "./ops.ts";
import { problem, problemErrorHandler, sendProblem } from "./problem.ts";
import { tokenRoutes } from "./tokens.ts";

/** Largest request body the API accepts; integrations and logins are small. */
export const BODY_LIMIT = 64 * 1024;

export interface HubDeps {
  /** An open database; default: `openDatabase(config.databaseUrl)` (closed again by `close()`). */
  store?: VaultStore & { close(): Promise<void> };
  /** Default: `loadKeyRing` from GATEHOUSE_ENCRYPTION_KEYS or `$dataDir/keys.json`. */
  keyRing?: SecretCipher;
  /** Where log lines go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
  /** Further plugins registered after the hub's own, with `app.gatehouse` available (e.g. apps.ts). */
  extraPlugins?: FastifyPluginAsync[];
  /** What the token route asks about apps; the apps plugin may also set `app.gatehouse.apps` itself. */
  apps?: AppDirectory;
  /** Overrides for the token service (retry policy, clock) — tests. */
  tokenService?: Partial<
    Omit<TokenServiceOptions, "store" | "keyRing" | "oauthConfigFor" | "metrics" | "logger">
  >;
  now?: () => number;
  /** Leave out the admin bootstrap from GATEHOUSE_ADMIN_EMAIL/PASSWORD. */
  skipAdminBootstrap?: boolean;
  /** Start the background refresher (off unless asked: `gatehouse start` asks when config.backgroundRefresh). */
  backgroundRefresh?: boolean | Omit<BackgroundRefresherOptions, "tokenService" | "store" | "logger">;
}

export interface Hub {
  app: FastifyInstance;
  services: HubServices;
  /** Listens on config.host:config.port (0 = any); returns the base URL actually bound. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds the hub: one Fastify instance with a plugin per area (ops, auth, admin, connect flow, token API,
 * and apps when src/hub/apps.ts exists), JSON schemas on every route (they also make /api/openapi.json),
 * and one error handler that answers everything as RFC 9457 problem details.
 */
export async function buildHub(config: HubConfig, deps: HubDeps = {}): Promise<Hub> {
  const now = deps.now ?? Date.now;
  const ownsStore = !deps.store;
  const store = deps.store ?? (await openDatabase(config.databaseUrl));
  let app: FastifyInstance | undefined;
  /** Set when close() begins: answers still in flight then end their keep-alive connection. */
  let closing = false;
  try {
    const keyRing =
      deps.keyRing ?? loadKeyRing({ env: config.encryptionKeys ?? undefined, dataDir: config.dataDir });
    const logger = createLogger(config.logLevel, deps.logDestination);
    const integrations = new IntegrationStore(store, keyRing, now);
    const metrics = new HubMetrics({
      countConnections: async () => {
        const row = await store.db
          .selectFrom("connections")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow();
        return Number(row.n);
      },
    });
    const configFor = oauthConfigFor.bind(null, config);
    const tokens = new TokenService({
      ...deps.tokenService,
      store,
      keyRing,
      now,
      oauthConfigFor: configFor,
      metrics,
      logger: logger.child({ module: "vault" }),
    });
    const services: HubServices = {
      config,
      store,
      keyRing,
      accounts: new AccountStore(store.db, now),
      integrations,
      tokens,
      states: new OAuthStateStore(store.db, keyRing, now),
      metrics,
      oauthConfigFor: configFor,
      apps: deps.apps ?? null,
      now,
    };
    if (!deps.skipAdminBootstrap) await bootstrapAdmin(services, logger);

    const instance = Fastify({
      loggerInstance: logger,
      bodyLimit: BODY_LIMIT,
      // X-Forwarded-* only when told (GATEHOUSE_TRUST_PROXY): otherwise any client could pick its address.
      // (A hop count is a number at runtime; Fastify's types only list the other forms.)
      trustProxy: config.trustProxy as boolean | string,
      ajv: {
        // Unknown fields are an error (400), not silently dropped; no type coercion (null is not "", a string
        // is not a one-element array); report every problem at once. Query numbers are parsed by their routes.
        customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false, useDefaults: true },
      },
      routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    }) as unknown as FastifyInstance;
    app = instance;
    app.decorate("gatehouse", services);
    app.setErrorHandler(problemErrorHandler);
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, problem("not_found", `No route ${request.method} ${request.url.split("?")[0]}`)),
    );

    await app.register(fastifySwagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "Gatehouse",
          version: "0.1.0",
          description:
            "Self-hosted OAuth 2.0 integration hub: integrations, connections and tokens for apps.",
        },
        components: {
          securitySchemes: {
            session: { type: "apiKey", in: "cookie", name: "gatehouse_session" },
            personalAccessToken: { type: "http", scheme: "bearer" },
          },
        },
      },
    });
    await app.register(fastifyCookie);
    // JSON only: anything else is 415 unsupported_media_type.
    app.removeContentTypeParser("text/plain");
    await app.register(fastifyRateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new GatehouseError("rate_limited", `Too many attempts; try again in ${context.after}`, 429),
    });
    installAuthentication(app);
    // API answers are per user and often secret: never cached, never sniffed into something else.
    app.addHook("onSend", async (request, reply) => {
      // Without this a keep-alive connection busy when close() began stays open after its answer, and the
      // process waits on the client instead of exiting (a rolling restart behind a load balancer stalls).
      if (closing) void reply.header("connection", "close");
      if (!request.url.startsWith("/api/")) return;
      if (!reply.hasHeader("cache-control")) void reply.header("cache-control", "no-store");
      void reply.header("x-content-type-options", "nosniff");
    });

    await app.register(opsRoutes);
    await app.register(authRoutes);
    await app.register(adminRoutes);
    await app.register(connectRoutes);
    await app.register(tokenRoutes);
    for (const plugin of await appPlugins(deps)) await app.register(plugin);

    app.get("/api/openapi.json", { schema: { hide: true } }, () => app!.swagger());
    await app.register((await import("./static.ts")).staticUi); // the web UI (web/dist) and its SPA fallback
    await app.ready();
  } catch (err) {
    await app?.close();
    if (ownsStore) await store.close();
    throw err;
  }

  const ready: FastifyInstance = app;
  let refresher: BackgroundRefresher | null = null;
  if (deps.backgroundRefresh) {
    const options = deps.backgroundRefresh === true ? {} : deps.backgroundRefresh;
    refresher = startBackgroundRefresher({
      ...options,
      tokenService: ready.gatehouse.tokens,
      store: ready.gatehouse.store,
      logger: ready.log.child({ module: "refresher" }),
      now,
    });
  }
  return {
    app: ready,
    services: ready.gatehouse,
    async listen() {
      return ready.listen({ host: config.host, port: config.port });
    },
    async close() {
      closing = true;
      await refresher?.stop();
      await ready.close();
      if (ownsStore) await store.close();
    },
  };
}

// src/hub/apps.ts is written by the apps layer; when present its default export joins the hub.
async function appPlugins(deps: HubDeps): Promise<FastifyPluginAsync[]> {
  const plugins = [...(deps.extraPlugins ?? [])];
  const appsModule = new URL("./apps.ts", import.meta.url);
  if (existsSync(fileURLToPath(appsModule))) {
    const loaded = (await import(appsModule.href)) as { default?: FastifyPluginAsync };
    if (typeof loaded.default === "function") plugins.unshift(loaded.default);
  }
  return plugins;
}
