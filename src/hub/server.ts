import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { DestinationStream, Logger } from "pino";
import type { HubConfig } from "../config/index.ts";
import { detectSandbox } from "../apps/sandbox/detect.ts";
import { openDatabase } from "../db/index.ts";
import { GatehouseError } from "../errors.ts";
import { loadKeyRing } from "../vault/keyRing.ts";
import type { SecretCipher } from "../vault/storage.ts";
import {
  startBackgroundRefresher,
  type BackgroundRefresher,
  type BackgroundRefresherOptions,
} from "../vault/backgroundRefresher.ts";
import { adminRoutes } from "./integrations/admin.ts";
import { appReloadRoutes } from "./apps/appReloadRoutes.ts";
import type { AppReloads } from "./apps/appReloads.ts";
import { appRoutes } from "./apps/appRoutes.ts";
import { appsPlugin } from "./apps/apps.ts";
import { auditRoutes } from "./identity/auditRoutes.ts";
import { authentication, bootstrapAdmin } from "./identity/auth.ts";
import { authRoutes } from "./identity/authRoutes.ts";
import { cachesPlugin } from "./caches.ts";
import { oidcRoutes } from "./identity/oidcRoutes.ts";
import { patRoutes } from "./identity/patRoutes.ts";
import { userRoutes } from "./identity/userRoutes.ts";
import type { AppDirectory, HubServices } from "./context.ts";
import { faviconRoutes } from "./http/favicon.ts";
import { AccessLog } from "./http/accessLog.ts";
import { API_CACHE_CONTROL, API_CONTENT_TYPE_OPTIONS, API_PREFIX } from "./http/apiHeaders.ts";
import { serverWithFront, type FrontDesk } from "./http/frontServer.ts";
import { createLogger } from "./http/logger.ts";
import { LazySchemas } from "./http/lazySchemas.ts";
import { LazyRequestLogger } from "./http/requestLogger.ts";
import { connectRoutes } from "./connect/oauth.ts";
import { opsRoutes } from "./http/ops.ts";
import { runtimeRoutes } from "./apps/runtimeRoutes.ts";
import { problem, problemErrorHandler, sendProblem } from "./http/problem.ts";
import {
  accountsPlugin,
  auditPlugin,
  corePlugin,
  oidcPlugin,
  metricsPlugin,
  vaultPlugin,
  type HubStore,
  type VaultPluginOptions,
} from "./services.ts";
import { openApiErrorCodes } from "./http/schemas.ts";
import { staticUi } from "./http/static.ts";
import { tokenRoutes } from "./tokens/tokens.ts";
import { HeldTokenLane } from "./tokens/heldTokenLane.ts";
import { appTokensOf } from "./tokens/appTokens.ts";
import { viewRoutes } from "./apps/viewRoutes.ts";

/** A route plugin, encapsulated, with the services it reads: Fastify checks they are registered first. */
function routes(name: string, dependencies: string[], plugin: FastifyPluginAsync): FastifyPluginAsync {
  return fp(plugin, { name, dependencies, encapsulate: true });
}

const CORE = "gatehouse-core";
const VAULT = "gatehouse-vault";
const APPS = "gatehouse-apps";
const ACCOUNTS = "gatehouse-accounts";

/** The API's areas: each route file and what it reads (see services.ts and apps.ts). */
const ROUTES = [
  routes("ops-routes", [CORE, "gatehouse-metrics", "gatehouse-caches"], opsRoutes),
  routes("auth-routes", [CORE, ACCOUNTS, "gatehouse-authentication"], authRoutes),
  routes("oidc-routes", [CORE, ACCOUNTS, "gatehouse-oidc", "gatehouse-authentication"], oidcRoutes),
  routes("pat-routes", [CORE, ACCOUNTS, "gatehouse-authentication"], patRoutes),
  routes("user-routes", [CORE, ACCOUNTS, VAULT, "gatehouse-authentication"], userRoutes),
  routes("audit-routes", ["gatehouse-audit", "gatehouse-authentication"], auditRoutes),
  routes("admin-routes", [CORE, VAULT, APPS, "gatehouse-audit"], adminRoutes),
  routes("connect-routes", [CORE, VAULT, APPS, "gatehouse-metrics", "gatehouse-audit"], connectRoutes),
  routes("token-routes", [VAULT, APPS, "gatehouse-metrics", "gatehouse-audit"], tokenRoutes),
  routes("app-routes", [CORE, VAULT, APPS], appRoutes),
  routes("view-routes", [CORE, APPS], viewRoutes),
  routes("runtime-routes", [VAULT, APPS, "gatehouse-audit"], runtimeRoutes),
  routes("app-reload-routes", [APPS], appReloadRoutes),
  routes("favicon-routes", [], faviconRoutes),
];

/** The OpenAPI document's frame; the routes' schemas fill in the paths. */
const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "Gatehouse",
    version: "0.1.0",
    description: "Self-hosted OAuth 2.0 integration hub: integrations, connections and tokens for apps.",
  },
  // An extension (x-…), so it passes through to the document: the error registry for any client.
  "x-error-codes": openApiErrorCodes.extension,
  components: {
    schemas: { ErrorCode: openApiErrorCodes.schema },
    securitySchemes: {
      session: { type: "apiKey", in: "cookie", name: "gatehouse_session" },
      personalAccessToken: { type: "http", scheme: "bearer" },
    },
  },
} as const;

/** Largest request body the API accepts; integrations and logins are small. */
export const BODY_LIMIT = 64 * 1024;

export interface HubDeps {
  /** An open database; default: `openDatabase(config.databaseUrl)` (closed again by `close()`). */
  store?: HubStore;
  /** Default: `loadKeyRing` from GATEHOUSE_ENCRYPTION_KEYS or `$dataDir/keys.json`. */
  keyRing?: SecretCipher;
  /** Where log lines go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
  /** Further plugins registered after the hub's own, with its services decorated. */
  extraPlugins?: FastifyPluginAsync[];
  /** What the token route asks about apps when no app directory is searched (the registry otherwise). */
  apps?: AppDirectory;
  /** Overrides for the token service (retry policy, clock) — tests. */
  tokenService?: VaultPluginOptions["tokenService"];
  now?: () => number;
  /** `gatehouse dev`: reload notices for the open app pages (GET /api/apps/{app}/reloads). */
  appReloads?: AppReloads;
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
  /** Compiles the route schemas not used yet (listen() starts it in the background); throws a bad schema's error. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the hub: one Fastify instance with its services (services.ts, apps.ts) decorated by plugins that
 * declare what they depend on, then a route plugin per area (ops, auth, admin, connect flow, token API,
 * apps, app reloads, the icon), JSON schemas on every route (they also make /api/openapi.json), and one error handler that answers
 * everything as RFC 9457 problem details.
 */
export async function buildHub(config: HubConfig, deps: HubDeps = {}): Promise<Hub> {
  const now = deps.now ?? Date.now;
  // Probing bubblewrap spawns a process: begun now, it runs while the database opens (the apps plugin awaits it).
  // (A failure is the apps plugin's to report; this early handle only keeps it from being "unhandled".)
  detectSandbox(config.appSandbox, config.appUidBase).catch(() => {});
  const ownsStore = !deps.store;
  const store = deps.store ?? (await openDatabase(config.databaseUrl));
  let app: FastifyInstance | undefined;
  let schemas: LazySchemas;
  /** Set when close() begins: answers still in flight then end their keep-alive connection. */
  let closing = false;
  /** Asked before Fastify about each request once the hub is ready: the token route's fast lane. */
  let front: FrontDesk | null = null;
  try {
    const keyRing =
      deps.keyRing ?? loadKeyRing({ env: config.encryptionKeys ?? undefined, dataDir: config.dataDir });
    const logger = createLogger(config.logLevel, deps.logDestination);
    const accessLog = new AccessLog(logger);
    schemas = new LazySchemas();
    const instance = Fastify({
      loggerInstance: logger,
      // A line per request at debug, a summary per minute at info (accessLog.ts).
      logController: accessLog,
      // Each request's child logger is made only if the request logs (requestLogger.ts).
      childLoggerFactory: (parent, bindings, options) =>
        new LazyRequestLogger(parent as Logger, bindings, options),
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
      // Each route's validator and serializer compiled on first use or by warmUp() (lazySchemas.ts).
      schemaController: { compilersFactory: schemas.compilersFactory },
      serverFactory: serverWithFront(() => front),
    }) as unknown as FastifyInstance;
    app = instance;
    app.setErrorHandler(problemErrorHandler);
    app.addHook("onClose", async () => accessLog.close());
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, problem("not_found", `No route ${request.method} ${request.url.split("?")[0]}`)),
    );

    await app.register(corePlugin, { config, store, keyRing, now });
    await app.register(metricsPlugin);
    await app.register(auditPlugin);
    await app.register(accountsPlugin);
    await app.register(oidcPlugin);
    await app.register(cachesPlugin);
    await app.register(vaultPlugin, { tokenService: deps.tokenService });
    if (!deps.skipAdminBootstrap) await bootstrapAdmin(app.accounts, config, logger);

    await app.register(fastifySwagger, { openapi: OPENAPI });
    await app.register(fastifyCookie);
    // JSON only: anything else is 415 unsupported_media_type.
    app.removeContentTypeParser("text/plain");
    await app.register(fastifyRateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new GatehouseError("rate_limited", `Too many attempts; try again in ${context.after}`),
    });
    await app.register(authentication);
    // API answers are per user and often secret: never cached, never sniffed into something else.
    // (A callback hook, not an async one: it runs on every answer, and a promise per answer shows in the bench.)
    app.addHook("onSend", (request, reply, payload, done) => {
      // Without this a keep-alive connection busy when close() began stays open after its answer, and the
      // process waits on the client instead of exiting (a rolling restart behind a load balancer stalls).
      if (closing) void reply.header("connection", "close");
      if (request.url.startsWith(API_PREFIX)) {
        if (!reply.hasHeader("cache-control")) void reply.header("cache-control", API_CACHE_CONTROL);
        void reply.header("x-content-type-options", API_CONTENT_TYPE_OPTIONS);
      }
      done(null, payload);
    });

    // Loads the apps (starting their processes) and serves their routes; the token routes ask it about apps.
    await app.register(appsPlugin, { directory: deps.apps ?? null, reloads: deps.appReloads ?? null });
    for (const plugin of ROUTES) await app.register(plugin);
    for (const plugin of deps.extraPlugins ?? []) await app.register(plugin);

    app.get("/api/openapi.json", { schema: { hide: true } }, () => app!.swagger());
    await app.register(staticUi); // the web UI (web/dist) and its SPA fallback
    await app.ready();
    const lane = new HeldTokenLane({
      credentials: app.caches.credentials,
      appTokens: appTokensOf(app, () => app!.appDirectory),
      metrics: app.metrics,
      accessLog,
      closing: () => closing,
    });
    front = (req, res) => lane.answer(req, res);
  } catch (err) {
    await app?.close();
    if (ownsStore) await store.close();
    throw err;
  }

  const ready: FastifyInstance = app;
  const services = servicesOf(ready);
  let refresher: BackgroundRefresher | null = null;
  if (deps.backgroundRefresh) {
    const options = deps.backgroundRefresh === true ? {} : deps.backgroundRefresh;
    refresher = startBackgroundRefresher({
      ...options,
      tokenService: services.tokens,
      store: services.store,
      logger: ready.log.child({ module: "refresher" }),
      now,
    });
  }
  return {
    app: ready,
    services,
    async listen() {
      const url = await ready.listen({ host: config.host, port: config.port });
      schemas.warmUp().catch((err: unknown) => ready.log.error({ err }, "a route schema does not compile"));
      return url;
    },
    warmUp: () => schemas.warmUp(),
    async close() {
      closing = true;
      schemas.stop();
      await refresher?.stop();
      await ready.close();
      if (ownsStore) await store.close();
    },
  };
}

/** The decorated services, for callers outside the hub's plugins (the CLI, the sandbox seed, tests). */
function servicesOf(app: FastifyInstance): HubServices {
  return {
    config: app.config,
    store: app.store,
    keyRing: app.keyRing,
    accounts: app.accounts,
    audit: app.audit,
    userLifecycle: app.userLifecycle,
    integrations: app.integrations,
    tokens: app.tokens,
    states: app.oauthStates,
    metrics: app.metrics,
    oauthConfigFor: app.oauthConfigFor,
    changeFeed: app.changeFeed,
    caches: app.caches,
    apps: app.appDirectory,
    now: app.now,
  };
}
