/** Response schemas of the admin routes that are not integration reads (those live in integrationInput.ts). */

import { requiredObject } from "../http/schemas.ts";

export const presetSchema = {
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
    sandbox: {
      type: ["object", "null"],
      description: "In the sandbox: the emulator the defaults point at; null outside it",
      properties: {
        emulator: { type: "string" },
        url: { type: "string" },
        message: { type: "string" },
        realIssuer: { type: "string" },
      },
    },
  },
} as const;

export const checkReportSchema = requiredObject({
  integration: { type: "string" },
  ok: { type: "boolean", description: "No check failed (warnings and skipped checks allowed)" },
  checks: {
    type: "array",
    items: requiredObject({
      id: { type: "string" },
      title: { type: "string" },
      status: { type: "string", enum: ["passed", "warning", "failed", "skipped"] },
      message: { type: "string" },
      url: { type: ["string", "null"] },
    }),
  },
});

export const appLinksSchema = requiredObject({
  integration: { type: "string" },
  appsLoaded: {
    type: "boolean",
    description: "False when this hub loads no apps: assignments cannot be compared with app configs",
  },
  apps: {
    type: "array",
    items: requiredObject({
      app: { type: "string" },
      title: { type: ["string", "null"] },
      loaded: { type: "boolean" },
      assigned: { type: ["string", "null"], enum: ["name", "all", null] },
      listed: { type: "boolean" },
      problem: { type: ["string", "null"] },
    }),
  },
});

const nullableUrl = { type: ["string", "null"] } as const;
const clientSchema = {
  type: "object",
  properties: { clientId: { type: "string" }, clientSecret: { type: "string" } },
} as const;
export const sandboxSchema = {
  type: "object",
  properties: {
    sandbox: { type: "boolean" },
    emulators: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          displayName: { type: "string" },
          url: { type: "string" },
          authorizationUrl: nullableUrl,
          tokenUrl: nullableUrl,
          revocationUrl: nullableUrl,
          introspectionUrl: nullableUrl,
          issuer: nullableUrl,
          apiBaseUrls: { type: "array", items: { type: "string" } },
          signInFor: { type: "array", items: { type: "string" } },
        },
      },
    },
    clients: {
      type: "object",
      properties: { web: clientSchema, service: clientSchema },
    },
  },
  required: ["sandbox", "emulators"],
} as const;
