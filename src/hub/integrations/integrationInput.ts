import { z } from "zod";
import type { IntegrationView } from "../../api/integrations.ts";
import { EVERY_APP, INTEGRATION_NAME, INTEGRATION_NAME_RULE } from "../../names.ts";
import { getPreset, listPresets, type ProviderDefaults } from "../../providers/index.ts";
import type { Integration, IntegrationInput, IntegrationPatch } from "../../vault/integrationStore.ts";
import { callbackUrl, type HubConfig } from "../../config/index.ts";
import { GatehouseError } from "../../errors.ts";
import { httpErrors, type FieldError } from "../http/problem.ts";

// Integration names, and the app names an integration is assigned to.
const name = z.string().regex(INTEGRATION_NAME, INTEGRATION_NAME_RULE);
const url = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const parsed = new URL(value);
      return (parsed.protocol === "https:" || parsed.protocol === "http:") && parsed.hash === "";
    } catch {
      return false;
    }
  }, "must be an absolute http(s) URL without a fragment");
const optionalUrl = url.nullable().optional();
const scope = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, "must be a scope token (no spaces or quotes)");
const presetIds = listPresets().map((preset) => preset.id) as [string, ...string[]];

const fields = {
  name,
  provider: z.enum(presetIds, `must be one of ${presetIds.join(", ")}`),
  description: z.string().max(1000),
  apps: z.array(z.union([z.literal(EVERY_APP), name])).max(500),
  grantType: z.enum(["authorization_code", "client_credentials"]),
  authorizationUrl: optionalUrl,
  tokenUrl: optionalUrl,
  revocationUrl: optionalUrl,
  introspectionUrl: optionalUrl,
  issuer: optionalUrl,
  clientId: z.string().min(1, "must not be empty").max(512),
  clientSecret: z
    .string()
    .min(1, "must not be empty (leave the field out to keep the stored secret)")
    .max(4096)
    .nullable()
    .optional(),
  scopes: z.array(scope).max(100),
  tokenEndpointAuthMethod: z.enum(["client_secret_basic", "client_secret_post", "none"]),
  pkce: z.boolean(),
};

/** POST /api/admin/integrations: name, provider and clientId required; the preset fills the rest. */
export const createIntegrationBody = z.strictObject({
  ...fields,
  description: fields.description.optional(),
  apps: fields.apps.optional(),
  grantType: fields.grantType.optional(),
  scopes: fields.scopes.optional(),
  tokenEndpointAuthMethod: fields.tokenEndpointAuthMethod.optional(),
  pkce: fields.pkce.optional(),
});

/** PATCH /api/admin/integrations/{name}: any subset; clientSecret left out keeps, null clears. */
export const patchIntegrationBody = z.strictObject({
  name: fields.name.optional(),
  provider: fields.provider.optional(),
  description: fields.description.optional(),
  apps: fields.apps.optional(),
  grantType: fields.grantType.optional(),
  authorizationUrl: optionalUrl,
  tokenUrl: optionalUrl,
  revocationUrl: optionalUrl,
  introspectionUrl: optionalUrl,
  issuer: optionalUrl,
  clientId: fields.clientId.optional(),
  clientSecret: fields.clientSecret,
  scopes: fields.scopes.optional(),
  tokenEndpointAuthMethod: fields.tokenEndpointAuthMethod.optional(),
  pkce: fields.pkce.optional(),
});

const orNull = (value: string): string | null => (value === "" ? null : value);
const unique = (values: string[]): string[] => [...new Set(values)];

/**
 * The stored shape for a create: preset defaults under the admin's values. `defaults` are the preset's as this
 * hub offers them (in the sandbox: its emulator's); the real platform's when left out.
 */
export function integrationFromCreate(
  body: z.output<typeof createIntegrationBody>,
  defaults: ProviderDefaults = getPreset(body.provider).defaults,
): IntegrationInput {
  const input: IntegrationInput = {
    name: body.name,
    provider: body.provider,
    description: body.description ?? "",
    apps: unique(body.apps ?? []),
    grantType: body.grantType ?? "authorization_code",
    authorizationUrl:
      body.authorizationUrl === undefined ? orNull(defaults.authorizationUrl) : body.authorizationUrl,
    tokenUrl: body.tokenUrl ?? orNull(defaults.tokenUrl) ?? "",
    revocationUrl: body.revocationUrl === undefined ? orNull(defaults.revocationUrl) : body.revocationUrl,
    introspectionUrl:
      body.introspectionUrl === undefined ? orNull(defaults.introspectionUrl) : body.introspectionUrl,
    issuer: body.issuer === undefined ? orNull(defaults.issuer) : body.issuer,
    clientId: body.clientId,
    clientSecret: body.clientSecret ?? null,
    scopes: unique(body.scopes ?? [...defaults.scopes]),
    tokenEndpointAuthMethod: body.tokenEndpointAuthMethod ?? defaults.tokenEndpointAuthMethod,
    pkce: body.pkce ?? true,
  };
  checkConsistent(input);
  return input;
}

/** The patch to store, after checking that the result of applying it to `current` can work. */
export function integrationPatch(
  current: Integration,
  body: z.output<typeof patchIntegrationBody>,
): IntegrationPatch {
  const patch: IntegrationPatch = {};
  for (const [key, value] of Object.entries(body)) {
    if (value !== undefined) (patch as Record<string, unknown>)[key] = value;
  }
  if (patch.apps) patch.apps = unique(patch.apps);
  if (patch.scopes) patch.scopes = unique(patch.scopes);
  if (body.tokenUrl === null) {
    throw httpErrors.validation([{ field: "/tokenUrl", message: "is required" }]);
  }
  checkConsistent({
    ...current,
    ...patch,
    clientSecret: body.clientSecret === undefined ? current.clientSecret : body.clientSecret,
  });
  return patch;
}

/** The endpoints the hub sends the client secret or users' tokens to. */
const SECRET_BEARING_URLS = ["authorizationUrl", "tokenUrl", "revocationUrl", "introspectionUrl"] as const;

const originOf = (url: string | null | undefined): string | null => (url ? new URL(url).origin : null);

/** The endpoints whose origin (scheme, host, port) a patch changes, with the old and new origin. */
export function endpointOriginChanges(
  current: Integration,
  patch: { [K in (typeof SECRET_BEARING_URLS)[number]]?: string | null },
): { field: (typeof SECRET_BEARING_URLS)[number]; from: string | null; to: string }[] {
  return SECRET_BEARING_URLS.flatMap((field) => {
    const to = originOf(patch[field]);
    const from = originOf(current[field]);
    return to !== null && to !== from ? [{ field, from, to }] : [];
  });
}

/**
 * An endpoint moving to another origin would carry the stored client secret and users' refresh tokens to
 * that host: the move must bring the client secret again in the same request (whoever retypes it has the
 * provider's app registration in hand; a stolen admin session does not).
 */
export function checkOriginChange(current: Integration, body: z.output<typeof patchIntegrationBody>): void {
  const changes = endpointOriginChanges(current, body);
  if (changes.length === 0 || !current.clientSecret || body.clientSecret !== undefined) return;
  throw new GatehouseError(
    "client_secret_required",
    `Moving ${changes.map((c) => c.field).join(", ")} to ${[...new Set(changes.map((c) => c.to))].join(", ")} sends the client secret and users' tokens there: send clientSecret again in the same request`,
    { fields: changes.map((c) => c.field), origins: changes.map((c) => c.to) },
  );
}

/** The fields a patch changes (names only: never a secret's value). */
export function changedFields(current: Integration, patch: IntegrationPatch): string[] {
  return Object.entries(patch).flatMap(([key, value]) => {
    if (key === "clientSecret") return ["clientSecret"];
    const before = (current as unknown as Record<string, unknown>)[key];
    return JSON.stringify(before) === JSON.stringify(value) ? [] : [key];
  });
}

/** Rules across fields, with the field each one is about. */
function checkConsistent(input: IntegrationInput): void {
  const errors: FieldError[] = [];
  const preset = getPreset(input.provider);
  if (!input.tokenUrl) errors.push({ field: "/tokenUrl", message: "is required (the preset has none)" });
  if (input.grantType === "authorization_code" && !input.authorizationUrl) {
    errors.push({
      field: "/authorizationUrl",
      message: "is required for authorization_code (the preset has none)",
    });
  }
  if (!preset.grantTypes.includes(input.grantType)) {
    errors.push({
      field: "/grantType",
      message: `${preset.displayName} does not support ${input.grantType}`,
    });
  }
  if (input.tokenEndpointAuthMethod !== "none" && !input.clientSecret) {
    errors.push({ field: "/clientSecret", message: `is required with ${input.tokenEndpointAuthMethod}` });
  }
  if (input.grantType === "client_credentials" && input.tokenEndpointAuthMethod === "none") {
    errors.push({ field: "/tokenEndpointAuthMethod", message: "client_credentials needs a client secret" });
  }
  if (errors.length) throw httpErrors.validation(errors);
}

/** An integration as every read shows it: the secret replaced by `clientSecretSet`, plus the redirect URI. */
export function integrationView(
  config: Pick<HubConfig, "publicUrl">,
  integration: Integration,
  connectionCount: number,
): IntegrationView {
  const { clientSecret, createdAt, updatedAt, ...rest } = integration;
  return {
    ...rest,
    connectionCount,
    clientSecretSet: clientSecret !== null && clientSecret !== "",
    redirectUri: callbackUrl(config),
    createdAt: new Date(createdAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
  };
}

const nullableString = { type: ["string", "null"] } as const;

/** Response schema of an integration (serialization drops anything not listed: the secret can never slip out). */
export const integrationViewSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    provider: { type: "string" },
    description: { type: "string" },
    apps: { type: "array", items: { type: "string" } },
    grantType: { type: "string", enum: ["authorization_code", "client_credentials"] },
    authorizationUrl: nullableString,
    tokenUrl: { type: "string" },
    revocationUrl: nullableString,
    introspectionUrl: nullableString,
    issuer: nullableString,
    clientId: { type: "string" },
    clientSecretSet: { type: "boolean" },
    scopes: { type: "array", items: { type: "string" } },
    tokenEndpointAuthMethod: { type: "string" },
    pkce: { type: "boolean" },
    redirectUri: { type: "string" },
    connectionCount: { type: "integer", description: "Stored user connections (what a delete removes)" },
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
  },
  required: [
    "name",
    "provider",
    "apps",
    "grantType",
    "tokenUrl",
    "clientId",
    "clientSecretSet",
    "scopes",
    "redirectUri",
    "connectionCount",
  ],
} as const;
