import type { FastifyPluginAsync } from "fastify";
import { sandboxSummary } from "../../apps/sandbox/report.ts";
import { GatehouseError } from "../../errors.ts";
import { appSummary } from "./appPages.ts";
import { requireUser, signedIn, withRole } from "../context.ts";
import { allowsApp } from "../identity/patScopes.ts";
import { problemSchema } from "../http/schemas.ts";

export const appNotFound = (app: string): GatehouseError =>
  new GatehouseError("app_not_found", `No app named "${app}" is loaded`, { app });

const segment = { type: "string", minLength: 1, maxLength: 200 } as const;
const appParams = { type: "object", properties: { app: segment }, required: ["app"] } as const;

/** The apps API (/api/openapi.json, tag "apps"): the loaded apps and one app's page, for the signed-in user. */
export const appRoutes: FastifyPluginAsync = async (app) => {
  const { appRegistry: registry, integrations, tokens } = app;
  /** Every integration and the user's connections: what an app's integration states are made of. */
  const stateOf = (userId: string) => Promise.all([integrations.list(), tokens.listConnections(userId)]);

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
      const [all, connections] = await stateOf(requireUser(request).id);
      return registry
        .list()
        .filter((appProcess) => allowsApp(request, appProcess.spec.name))
        .map((appProcess) => appSummary(appProcess, all, connections));
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
      const [all, connections] = await stateOf(requireUser(request).id);
      return {
        appsDirs: app.config.appsDirs,
        viewTimeoutSeconds: registry.viewTimeoutMs / 1000,
        sandbox: sandboxSummary(registry.runtimeSettings.sandbox),
        apps: registry
          .list()
          .map((appProcess) => ({ ...appSummary(appProcess, all, connections), dir: appProcess.spec.dir })),
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
      const [all, connections] = await stateOf(user.id);
      const manifest = appProcess.manifest;
      return {
        ...appSummary(appProcess, all, connections),
        parametrization: manifest?.parametrization ?? [],
        views: manifest?.views ?? [],
        viewTimeoutSeconds: registry.viewTimeoutMs / 1000,
      };
    },
  );
};
