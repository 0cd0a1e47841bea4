import type { FastifyPluginAsync } from "fastify";
import type { SandboxInfo } from "../../api/sandbox.ts";
import { errors as failures } from "../../errors.ts";
import { callbackUrl } from "../../config/index.ts";
import {
  SANDBOX_SERVICE_CLIENT,
  SANDBOX_WEB_CLIENT,
  emulatorEndpoints,
  emulatorUrlsOf,
} from "../../sandbox/emulators.ts";
import { hubPreset, hubPresets } from "../../sandbox/presets.ts";
import type { Integration } from "../../vault/integrationStore.ts";
import { requestActor, requestContext, type AuditTarget } from "../identity/auditActions.ts";
import { integrationAppLinks, loadedApps } from "./diagnostics.ts";
import { checkIntegration } from "./integrationCheck.ts";
import {
  changedFields,
  checkOriginChange,
  createIntegrationBody,
  endpointOriginChanges,
  integrationFromCreate,
  integrationPatch,
  integrationView,
  integrationViewSchema,
  patchIntegrationBody,
} from "./integrationInput.ts";
import { requestScopes } from "../connect/oauthConfig.ts";
import { appLinksSchema, checkReportSchema, presetSchema, sandboxSchema } from "./adminSchemas.ts";
import { jsonSchema, nameParams, problemSchema } from "../http/schemas.ts";
import { adminRoute } from "../http/adminRoute.ts";

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

/**
 * The admin's integrations API: presets (sandbox-aware), integration CRUD, and the Test button's checks.
 * Admins only.
 */
export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { integrations, tokens, config, oauthConfigFor, audit } = app;
  /** The integration a route's `:name` names; 404 `integration_not_found` when there is none. */
  const named = async (name: string) => {
    const integration = await integrations.get(name);
    if (!integration) throw failures.integrationNotFound(name);
    return integration;
  };
  const target = (integration: Integration): AuditTarget => ({
    type: "integration",
    id: integration.id,
    name: integration.name,
  });
  const view = async (integration: Integration) =>
    integrationView(config, integration, await integrations.countConnections(integration.id));

  app.get(
    "/api/admin/providers",
    adminRoute("Provider presets (in the sandbox their endpoints are the emulators')", {
      response: { 200: { type: "array", items: presetSchema }, ...errors },
    }),
    async () => hubPresets(config),
  );

  app.get(
    "/api/admin/sandbox",
    adminRoute("In the sandbox: the emulators' endpoints and the clients they register (for Generic)", {
      response: { 200: sandboxSchema, ...errors },
    }),
    async (): Promise<SandboxInfo> => {
      const urls = config.sandbox ? emulatorUrlsOf(config) : null;
      if (!urls) return { sandbox: false, emulators: [] };
      return {
        sandbox: true,
        emulators: emulatorEndpoints(urls),
        clients: { web: SANDBOX_WEB_CLIENT, service: SANDBOX_SERVICE_CLIENT },
      };
    },
  );

  app.get(
    "/api/admin/integrations",
    adminRoute("Every integration", {
      response: { 200: { type: "array", items: integrationViewSchema }, ...errors },
    }),
    async () => {
      const [all, counts] = await Promise.all([
        integrations.list(),
        integrations.countConnectionsByIntegration(),
      ]);
      return all.map((integration) => integrationView(config, integration, counts.get(integration.id) ?? 0));
    },
  );

  app.post(
    "/api/admin/integrations",
    adminRoute("Create an integration (the preset fills what is left out)", {
      body: jsonSchema(createIntegrationBody),
      response: { 201: integrationViewSchema, ...errors, 409: problemSchema },
    }),
    async (request, reply) => {
      const body = createIntegrationBody.parse(request.body);
      const input = integrationFromCreate(body, hubPreset(config, body.provider).defaults);
      const created = await integrations.create(input);
      request.log.info({ integration: created.name }, "integration created");
      await audit.record({
        action: "integration.created",
        actor: requestActor(request),
        target: target(created),
        details: {
          provider: created.provider,
          grantType: created.grantType,
          apps: created.apps,
          ...requestContext(request),
        },
      });
      return reply.code(201).send(await view(created));
    },
  );

  app.get<{ Params: { name: string } }>(
    "/api/admin/integrations/:name",
    adminRoute("One integration", {
      params: nameParams,
      response: { 200: integrationViewSchema, ...errors, 404: problemSchema },
    }),
    async (request) => {
      const integration = await named(request.params.name);
      return view(integration);
    },
  );

  app.patch<{ Params: { name: string } }>(
    "/api/admin/integrations/:name",
    adminRoute("Change some fields (a new clientSecret replaces the old; leaving it out keeps it)", {
      params: nameParams,
      body: jsonSchema(patchIntegrationBody),
      response: { 200: integrationViewSchema, ...errors, 404: problemSchema, 409: problemSchema },
    }),
    async (request) => {
      const body = patchIntegrationBody.parse(request.body);
      const current = await named(request.params.name);
      checkOriginChange(current, body);
      const patch = integrationPatch(current, body);
      const moved = endpointOriginChanges(current, patch);
      const fields = changedFields(current, patch);
      const updated = await integrations.update(current.name, patch);
      request.log.info({ integration: updated.name, fields }, "integration updated");
      const actor = requestActor(request);
      const context = requestContext(request);
      await audit.record({
        action: "integration.updated",
        actor,
        target: target(updated),
        details: {
          fields,
          ...(body.clientSecret !== undefined
            ? { clientSecret: body.clientSecret === null ? "cleared" : "replaced" }
            : {}),
          ...(updated.name !== current.name ? { renamedFrom: current.name } : {}),
          ...context,
        },
      });
      if (moved.length > 0) {
        await audit.record({
          action: "integration.origin_changed",
          actor,
          target: target(updated),
          details: { changes: moved, ...context },
        });
      }
      return view(updated);
    },
  );

  app.get<{ Params: { name: string } }>(
    "/api/admin/integrations/:name/apps",
    adminRoute("The apps assigned to it or listing it in their config, and whether each can use it", {
      params: nameParams,
      response: { 200: appLinksSchema, ...errors, 404: problemSchema },
    }),
    async (request) => {
      const integration = await named(request.params.name);
      const apps = loadedApps(app.appDirectory);
      return {
        integration: integration.name,
        appsLoaded: apps !== null,
        apps: apps ? integrationAppLinks(integration, apps) : [],
      };
    },
  );

  app.post<{ Params: { name: string } }>(
    "/api/admin/integrations/:name/test",
    adminRoute(
      "Check what can be checked without a user: discovery, the endpoints answer, client credentials",
      {
        params: nameParams,
        response: { 200: checkReportSchema, ...errors, 404: problemSchema },
      },
    ),
    async (request) => {
      const integration = await named(request.params.name);
      const report = await checkIntegration(integration, oauthConfigFor(integration), {
        redirectUri: callbackUrl(config),
        scopes: requestScopes(integration),
      });
      const failed = report.checks.filter((check) => check.status === "failed").map((check) => check.id);
      request.log.info({ integration: integration.name, failed }, "integration tested");
      return report;
    },
  );

  app.delete<{ Params: { name: string } }>(
    "/api/admin/integrations/:name",
    adminRoute(
      "Delete an integration and every stored token of it (revoked at the provider where possible)",
      {
        params: nameParams,
        response: { 204: { type: "null" }, ...errors, 404: problemSchema },
      },
    ),
    async (request, reply) => {
      const integration = await named(request.params.name);
      const connections = await integrations.countConnections(integration.id);
      await tokens.deleteIntegrationTokens(integration);
      await integrations.delete(integration.name);
      request.log.info({ integration: integration.name }, "integration deleted");
      await audit.record({
        action: "integration.deleted",
        actor: requestActor(request),
        target: target(integration),
        details: { connectionsRemoved: connections, ...requestContext(request) },
      });
      return reply.code(204).send();
    },
  );
};
