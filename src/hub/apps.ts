import type { AddressInfo } from "node:net";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { CapabilityStore, type CapabilityGrant } from "../apps/capabilities.ts";
import { apiHostMap } from "../apps/hostMap.ts";
import { discoverApps } from "../apps/loader.ts";
import { AppRegistry, integrationWarnings } from "../apps/registry.ts";
import { newInvocationId, ViewError, type AppProcess } from "../apps/runtime.ts";
import { runtimeSettingsFor } from "../apps/settings.ts";
import { detectSandbox } from "../apps/sandbox/detect.ts";
import { logSandboxStatus, sandboxSummary } from "../apps/sandbox/report.ts";
import { GatehouseError } from "../errors.ts";
import type { AppManifest } from "../sdk/app.ts";
import { validateParams, type Field } from "../sdk/fields.ts";
import type { Integration } from "../vault/integrationStore.ts";
import type { AccessTokenResult, ConnectionSummary } from "../vault/tokenService.ts";
import { requireUser, signedIn, withRole, type HubServices } from "./context.ts";
import { appMismatches, mismatchSentences } from "./diagnostics.ts";
import { loginPath } from "./oauth.ts";
import { httpErrors, problem, sendProblem } from "./problem.ts";
import { jsonSchema, problemSchema } from "./schemas.ts";

/** Capabilities outlive the view timeout by this much, so a slow last token request still passes. */
const CAPABILITY_MARGIN_MS = 30_000;
/** A forced refresh asks for a token valid this long: longer than any provider issues, so it always refreshes. */
const FORCE_REFRESH_SECONDS = 10 * 365 * 86_400;
const PRUNE_INTERVAL_MS = 60_000;

const segment = { type: "string", minLength: 1, maxLength: 200 } as const;
const appParams = { type: "object", properties: { app: segment }, required: ["app"] } as const;
const viewParams = {
  type: "object",
  properties: { app: segment, view: segment },
  required: ["app", "view"],
} as const;

const viewBody = z.strictObject({ params: z.record(z.string(), z.unknown()).optional() });
const runtimeTokenBody = z.strictObject({
  integration: z.string().min(1).max(64),
  minValidity: z.number().int().min(0).max(86_400).optional(),
  forceRefresh: z.boolean().optional(),
});

const appNotFound = (app: string) =>
  new GatehouseError("app_not_found", `No app named "${app}" is loaded`, 404, { app });

/** GATEHOUSE_VIEW_TIMEOUT_SECONDS (default 60). */
function viewTimeoutFromEnv(): number | undefined {
  const raw = process.env.GATEHOUSE_VIEW_TIMEOUT_SECONDS;
  if (raw === undefined || raw === "") return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new GatehouseError(
      "invalid_config",
      `GATEHOUSE_VIEW_TIMEOUT_SECONDS: must be a number of seconds from 1 to 3600 (got "${raw}")`,
      500,
      { variable: "GATEHOUSE_VIEW_TIMEOUT_SECONDS" },
    );
  }
  return seconds * 1000;
}

/** The capability an app process presents: `X-Gatehouse-Capability`, or `Authorization: Capability <value>`. */
function presentedCapability(request: FastifyRequest): string | null {
  const header = request.headers["x-gatehouse-capability"];
  if (typeof header === "string" && header) return header.trim();
  const match = /^Capability\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1] ?? null;
}

function parametrizationRecord(manifest: AppManifest | null): Record<string, Field> {
  const record: Record<string, Field> = {};
  for (const { name, ...field } of manifest?.parametrization ?? []) record[name] = field;
  return record;
}

const INTEGRATION_NAME = /^[a-z0-9_-]{1,64}$/;
/** Extra fields a view error may carry into the problem details, and what each must look like. */
const SAFE_DETAILS: Record<string, (value: unknown) => boolean> = {
  integration: (v) => typeof v === "string" && INTEGRATION_NAME.test(v),
  providerStatus: (v) => Number.isInteger(v),
  providerCode: (v) => v === null || (typeof v === "string" && v.length <= 200),
  url: (v) => typeof v === "string" && v.length <= 2000,
  app: (v) => typeof v === "string",
  view: (v) => typeof v === "string",
};

/**
 * A view error as problem details, sent as is (view errors are written for the caller even when 5xx). Errors
 * that came from an app process are the app's words: only known detail fields pass, and a login URL is
 * rebuilt by the hub — an app must not be able to send users to a page of its choosing.
 */
function sendViewError(reply: FastifyReply, err: GatehouseError, app: string): FastifyReply {
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err.details ?? {})) {
    if (SAFE_DETAILS[key]?.(value)) details[key] = value;
  }
  if (err.code === "login_required" && typeof details.integration === "string") {
    details.loginUrl = loginPath(details.integration, app);
  }
  return sendProblem(reply, problem(err.status, err.code, err.message, details));
}

interface IntegrationState {
  name: string;
  /** Whether a view can get a token now without the user signing in (always true for a service integration). */
  connected: boolean;
  status: "connected" | "reconnect_required" | "not_connected" | "service" | "unavailable";
  grantType: Integration["grantType"] | null;
  displayName: string | null;
  /** Where to send the user to connect; null when no sign-in is needed or possible. */
  loginUrl: string | null;
  /** Why the app cannot use it, when it cannot. */
  problem: string | null;
}

function integrationStates(
  appProcess: AppProcess,
  integrations: readonly Integration[],
  connections: readonly ConnectionSummary[],
): IntegrationState[] {
  const byName = new Map(integrations.map((i) => [i.name, i]));
  const connectionOf = new Map(connections.map((c) => [c.integration, c]));
  const app = appProcess.spec.name;
  return appProcess.spec.integrations.map((name) => {
    const integration = byName.get(name);
    if (!integration) {
      return {
        name,
        connected: false,
        status: "unavailable",
        grantType: null,
        displayName: null,
        loginUrl: null,
        problem: "not_found",
      };
    }
    const base = {
      name,
      grantType: integration.grantType,
      displayName: integration.description || integration.name,
    };
    if (!integration.apps.includes("*") && !integration.apps.includes(app)) {
      return { ...base, connected: false, status: "unavailable", loginUrl: null, problem: "not_assigned" };
    }
    if (integration.grantType === "client_credentials") {
      return { ...base, connected: true, status: "service", loginUrl: null, problem: null };
    }
    const connection = connectionOf.get(name);
    const status = connection?.status ?? "not_connected";
    return {
      ...base,
      connected: status === "connected",
      status,
      loginUrl: loginPath(name, app),
      problem: null,
    };
  });
}

/**
 * The apps area: loads the apps (GATEHOUSE_APPS_DIR, plus examples/ in the sandbox) into one child process
 * each, serves the views API (/api/openapi.json, tag "apps"), and the runtime token route app processes use to turn an
 * invocation's capability into the invoking user's token.
 */
const appsPlugin: FastifyPluginAsync = async (app) => {
  const services: HubServices = app.gatehouse;
  const { config, integrations, tokens } = services;
  const log = app.log.child({ module: "apps" });

  const discovery = discoverApps(config.appsDirs);
  for (const failure of discovery.failures)
    log.error({ dir: failure.dir, reason: failure.message }, "app not loaded");
  const sandbox = await detectSandbox(config.appSandbox, config.appUidBase);
  if (discovery.apps.length > 0) logSandboxStatus(sandbox, log);
  const registry = new AppRegistry(discovery, {
    settings: runtimeSettingsFor(config, sandbox),
    viewTimeoutMs: viewTimeoutFromEnv(),
    logger: log,
  });
  // With no apps directory at all the hub keeps its default (an app is known when an integration names it).
  if (discovery.searchedDirs.length > 0) services.apps = registry;
  const capabilities = new CapabilityStore(services.store.db, services.now);
  /** Invocations that already forced a refresh, per integration: one forced refresh per invocation. */
  const forcedRefreshes = new Map<string, Set<string>>();

  await capabilities.pruneExpired();
  const pruner = setInterval(() => {
    capabilities
      .pruneExpired()
      .catch((err: unknown) => log.warn({ err }, "pruning expired capabilities failed"));
  }, PRUNE_INTERVAL_MS);
  pruner.unref();
  app.addHook("onClose", async () => {
    clearInterval(pruner);
    await registry.close();
  });

  await registry.startAll();
  const all = await integrations.list();
  // A hub with no integrations yet (a first start, before the sandbox seed or the admin ran) would warn about
  // every name; the apps' pages report them live once there is something to compare against.
  if (all.length === 0 && registry.list().length > 0)
    log.info("no integrations on the hub yet; app pages show which are missing");
  for (const appProcess of registry.list()) {
    const warnings = [
      ...appProcess.warnings,
      ...(all.length > 0 ? integrationWarnings(appProcess.spec, all) : []),
    ];
    if (warnings.length > 0) log.warn({ app: appProcess.spec.name, warnings }, "app loaded with warnings");
    else if (appProcess.loadError === null) log.info({ app: appProcess.spec.name }, "app loaded");
  }

  /** The hub's own address for app processes (loopback even when bound to every interface). */
  function internalUrl(): string {
    const address = app.server.address() as AddressInfo | null;
    if (!address || typeof address !== "object")
      throw new GatehouseError("not_ready", "The hub is not listening yet", 503);
    const host =
      address.address === "0.0.0.0"
        ? "127.0.0.1"
        : address.address === "::"
          ? "[::1]"
          : address.family === "IPv6"
            ? `[${address.address}]`
            : address.address;
    return `http://${host}:${address.port}`;
  }

  function summary(
    appProcess: AppProcess,
    all: readonly Integration[],
    connections: readonly ConnectionSummary[],
  ) {
    const states = integrationStates(appProcess, all, connections);
    return {
      name: appProcess.spec.name,
      title: appProcess.spec.title,
      description: appProcess.spec.description,
      status: appProcess.loadError === null ? "ready" : "error",
      error: appProcess.loadError,
      warnings: [...appProcess.warnings, ...mismatchSentences(appMismatches(appProcess.spec, all))],
      integrations: states,
    };
  }

  app.get(
    "/api/apps",
    {
      preValidation: signedIn,
      schema: {
        tags: ["apps"],
        summary: "The loaded apps, with the signed-in user's connection state for each integration they use",
        response: { 401: problemSchema },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const [all, connections] = await Promise.all([integrations.list(), tokens.listConnections(user.id)]);
      return registry.list().map((appProcess) => summary(appProcess, all, connections));
    },
  );

  app.get(
    "/api/admin/apps",
    {
      preValidation: withRole("admin", "developer"),
      schema: {
        tags: ["apps"],
        summary:
          "Developers and admins: every app with its state, and the app directories that failed to load",
        response: { 401: problemSchema, 403: problemSchema },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const [all, connections] = await Promise.all([integrations.list(), tokens.listConnections(user.id)]);
      return {
        appsDirs: config.appsDirs,
        viewTimeoutSeconds: registry.viewTimeoutMs / 1000,
        sandbox: sandboxSummary(sandbox),
        apps: registry
          .list()
          .map((appProcess) => ({ ...summary(appProcess, all, connections), dir: appProcess.spec.dir })),
        failures: registry.failures.map((failure) => ({ dir: failure.dir, message: failure.message })),
      };
    },
  );

  app.get<{ Params: { app: string } }>(
    "/api/apps/:app",
    {
      preValidation: signedIn,
      schema: {
        tags: ["apps"],
        summary:
          "One app: parametrization, views, integrations with the user's connection state, load warnings",
        params: appParams,
        response: { 401: problemSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const appProcess = registry.get(request.params.app);
      if (!appProcess) throw appNotFound(request.params.app);
      const [all, connections] = await Promise.all([integrations.list(), tokens.listConnections(user.id)]);
      const manifest = appProcess.manifest;
      return {
        ...summary(appProcess, all, connections),
        parametrization: manifest?.parametrization ?? [],
        views: manifest?.views ?? [],
        viewTimeoutSeconds: registry.viewTimeoutMs / 1000,
      };
    },
  );

  app.post<{ Params: { app: string; view: string } }>(
    "/api/apps/:app/views/:view",
    {
      preValidation: signedIn,
      schema: {
        tags: ["apps"],
        summary: "Run a view with the given params; answers the view's result JSON (see src/sdk/README.md)",
        params: viewParams,
        body: jsonSchema(viewBody),
        response: {
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
          500: problemSchema,
          502: problemSchema,
          503: problemSchema,
          504: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { app: appName, view } = request.params;
      const body = viewBody.parse(request.body ?? {});
      const appProcess = registry.get(appName);
      if (!appProcess) throw appNotFound(appName);
      let manifest: AppManifest;
      try {
        manifest = await appProcess.start();
      } catch (err) {
        if (err instanceof ViewError) return sendViewError(reply, err, appName);
        throw err;
      }
      if (!manifest.views.some((v) => v.name === view)) {
        throw new GatehouseError("view_not_found", `The app ${appName} has no view "${view}"`, 404, {
          app: appName,
          view,
        });
      }
      const checked = validateParams(parametrizationRecord(manifest), body.params ?? {});
      if (!checked.ok) throw httpErrors.validation(checked.errors);

      const invocationId = newInvocationId();
      const timeoutMs = registry.viewTimeoutMs;
      const capability = await capabilities.mint({
        app: appName,
        userId: user.id,
        invocationId,
        ttlMs: timeoutMs + CAPABILITY_MARGIN_MS,
      });
      const started = performance.now();
      try {
        const result = await appProcess.invoke(
          view,
          checked.params,
          { hubUrl: internalUrl(), capability, hostMap: apiHostMap(config) },
          timeoutMs,
        );
        request.log.info({ app: appName, view, ms: Math.round(performance.now() - started) }, "view ran");
        return reply.header("cache-control", "no-store").send(result);
      } catch (err) {
        if (!(err instanceof ViewError)) throw err;
        request.log.info({ app: appName, view, code: err.code }, "view failed");
        return sendViewError(reply, err, appName);
      } finally {
        forcedRefreshes.delete(invocationId);
        await capabilities.revokeInvocation(invocationId);
      }
    },
  );

  app.post(
    "/api/runtime/token",
    {
      schema: {
        tags: ["apps"],
        summary: "App processes only: exchange a view invocation's capability for the invoking user's token",
        body: jsonSchema(runtimeTokenBody),
        response: {
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      void reply.header("cache-control", "no-store");
      const presented = presentedCapability(request);
      const grant = presented ? await capabilities.verify(presented) : null;
      if (!grant) {
        throw new GatehouseError(
          "invalid_capability",
          "The capability is unknown, expired, or its view invocation has ended",
          401,
        );
      }
      const body = runtimeTokenBody.parse(request.body);
      const result = await runtimeToken(grant, body);
      return {
        accessToken: result.accessToken,
        tokenType: result.tokenType,
        expiresAt: new Date(result.expiresAt).toISOString(),
        scopes: result.scopes,
      };
    },
  );

  async function runtimeToken(
    grant: CapabilityGrant,
    body: z.infer<typeof runtimeTokenBody>,
  ): Promise<AccessTokenResult> {
    const name = body.integration;
    const integration = await integrations.get(name);
    if (!integration) {
      throw new GatehouseError("integration_not_found", `No integration named "${name}"`, 404, {
        integration: name,
      });
    }
    const assigned = integration.apps.includes("*") || integration.apps.includes(grant.app);
    if (!assigned || !registry.listsIntegration(grant.app, name)) {
      const why = assigned
        ? "the app's gatehouse.config.toml does not list it in oauth2_integrations"
        : "the integration is not assigned to it";
      throw new GatehouseError(
        "integration_not_assigned",
        `${name} is not available to the app ${grant.app}: ${why}`,
        403,
        {
          integration: name,
          app: grant.app,
        },
      );
    }
    let minValiditySeconds = body.minValidity ?? 60;
    if (body.forceRefresh) {
      const forced = forcedRefreshes.get(grant.invocationId) ?? new Set<string>();
      if (!forced.has(name)) {
        forced.add(name);
        forcedRefreshes.set(grant.invocationId, forced);
        minValiditySeconds = FORCE_REFRESH_SECONDS;
      }
    }
    try {
      return integration.grantType === "client_credentials"
        ? await tokens.getServiceToken(integration, { minValiditySeconds })
        : await tokens.getUserToken(integration, grant.userId, { minValiditySeconds });
    } catch (err) {
      if (err instanceof GatehouseError && err.code === "login_required") {
        throw new GatehouseError(err.code, err.message, 401, {
          ...err.details,
          integration: name,
          loginUrl: loginPath(name, grant.app),
        });
      }
      throw err;
    }
  }
};

export default appsPlugin;
