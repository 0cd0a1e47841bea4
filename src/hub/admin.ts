import type { FastifyPluginAsync } from "fastify";
import { errors as failures } from "../errors.ts";
import { listPresets } from "../providers/index.ts";
import type { Integration } from "../vault/integrationStore.ts";
import { withRole } from "./context.ts";
import {
  createIntegrationBody,
  integrationFromCreate,
  integrationPatch,
  integrationView,
  integrationViewSchema,
  patchIntegrationBody,
} from "./integrationInput.ts";
import { jsonSchema, nameParams, problemSchema } from "./schemas.ts";

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

const presetSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    displayName: { type: "string" },
    defaults: {
      type: "object",
      properties: {
        authorizationUrl: { type: "string" },
        tokenUrl: { type: "string" },
        revocationUrl: { type: "string" },
        introspectionUrl: { type: "string" },
        issuer: { type: "string" },
        scopes: { type: "array", items: { type: "string" } },
        tokenEndpointAuthMethod: { type: "string" },
      },
    },
    scopeCatalog: {
      type: "array",
      items: { type: "object", properties: { scope: { type: "string" }, description: { type: "string" } } },
    },
    grantTypes: { type: "array", items: { type: "string" } },
    docsUrl: { type: "string" },
  },
} as const;

/** The admin's integrations API (CONTRACT §3): presets and integration CRUD. Admins only. */
export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { integrations, tokens, config } = app;
  const adminOnly = withRole("admin");
  const view = async (integration: Integration) =>
    integrationView(config, integration, await integrations.countConnections(integration.id));

  app.get(
    "/api/admin/providers",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["admin"],
        summary: "Provider presets",
        response: { 200: { type: "array", items: presetSchema }, ...errors },
      },
    },
    async () => listPresets(),
  );

  app.get(
    "/api/admin/integrations",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["admin"],
        summary: "Every integration",
        response: { 200: { type: "array", items: integrationViewSchema }, ...errors },
      },
    },
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
    {
      preValidation: adminOnly,
      schema: {
        tags: ["admin"],
        summary: "Create an integration (the preset fills what is left out)",
        body: jsonSchema(createIntegrationBody),
        response: { 201: integrationViewSchema, ...errors, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const input = integrationFromCreate(createIntegrationBody.parse(request.body));
      const created = await integrations.create(input);
      request.log.info({ integration: created.name }, "integration created");
      return reply.code(201).send(await view(created));
    },
  );

  app.get<{ Params: { name: string } }>(
    "/api/admin/integrations/:name",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["admin"],
        summary: "One integration",
        params: nameParams,
        response: { 200: integrationViewSchema, ...errors, 404: problemSchema },
      },
    },
    async (request) => {
      const integration = await integrations.get(request.params.name);
      if (!integration) throw failures.integrationNotFound(request.params.name);
      return view(integration);
    },
  );

  app.patch<{ Params: { name: string } }>(
    "/api/admin/integrations/:name",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["admin"],
        summary: "Change some fields (a new clientSecret replaces the old; leaving it out keeps it)",
        params: nameParams,
        body: jsonSchema(patchIntegrationBody),
        response: { 200: integrationViewSchema, ...errors, 404: problemSchema, 409: problemSchema },
      },
    },
    async (request) => {
      const body = patchIntegrationBody.parse(request.body);
      const current = await integrations.get(request.params.name);
      if (!current) throw failures.integrationNotFound(request.params.name);
      const updated = await integrations.update(current.name, integrationPatch(current, body));
      request.log.info({ integration: updated.name }, "integration updated");
      return view(updated);
    },
  );

  app.delete<{ Params: { name: string } }>(
    "/api/admin/integrations/:name",
    {
      preValidation: adminOnly,
      schema: {
        tags: ["admin"],
        summary:
          "Delete an integration and every stored token of it (revoked at the provider where possible)",
        params: nameParams,
        response: { 204: { type: "null" }, ...errors, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const integration = await integrations.get(request.params.name);
      if (!integration) throw failures.integrationNotFound(request.params.name);
      await tokens.deleteIntegrationTokens(integration);
      await integrations.delete(integration.name);
      request.log.info({ integration: integration.name }, "integration deleted");
      return reply.code(204).send();
    },
  );
};
