import { z } from "zod";
import { ROLES } from "../../api/identity.ts";
import { errorCodes } from "../../errors.ts";

/**
 * The error registry as the OpenAPI document publishes it: `x-error-codes` (each code's status, title and
 * flags) and the `ErrorCode` schema (the codes as an enum) that problem details' `code` takes its value from.
 */
export const openApiErrorCodes = {
  extension: errorCodes,
  schema: { type: "string", enum: Object.keys(errorCodes), description: "See x-error-codes" },
} as const;

/** RFC 9457 problem details, for the OpenAPI description (extra fields such as `errors` or `loginUrl` allowed). */
export const problemSchema = {
  type: "object",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: {
      type: "string",
      description: "A stable code: one of components.schemas.ErrorCode (x-error-codes)",
    },
  },
  required: ["type", "title", "status", "detail", "code"],
  additionalProperties: true,
} as const;

/**
 * A zod schema as the JSON Schema Fastify validates with (ajv, draft-07) and @fastify/swagger describes.
 * zod stays the source of truth: routes parse with it again for the rules JSON Schema cannot say.
 */
export function jsonSchema(schema: z.ZodType, io: "input" | "output" = "input"): Record<string, unknown> {
  const converted = z.toJSONSchema(schema, { target: "draft-7", io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  delete converted.$schema;
  return converted;
}

/**
 * The schema of a page a provider sends the browser back to: any query, since the provider decides what it
 * sends and the flow checks every parameter by hand; a 302 onwards, or a readable error page.
 */
export function browserReturnSchema(tag: string, summary: string) {
  return {
    tags: [tag],
    summary,
    querystring: { type: "object", additionalProperties: true },
    response: { 302: { type: "null" } },
  } as const;
}

/** An object schema whose every property is required, so that each field is named once. */
export function requiredObject<P extends Record<string, unknown>>(properties: P) {
  return { type: "object", properties, required: Object.keys(properties) } as const;
}

/** `{ name }`-style path parameters. */
export const nameParams = {
  type: "object",
  properties: { name: { type: "string", minLength: 1, maxLength: 200 } },
  required: ["name"],
} as const;

/** `:id` path parameters (users, personal access tokens). */
export const idParams = {
  type: "object",
  properties: { id: { type: "string", maxLength: 100 } },
  required: ["id"],
} as const;

/** Who a user is, as every answer about a user (`/api/me`, the admin's user list) starts. */
export const userIdentityProperties = {
  id: { type: "string" },
  email: { type: "string" },
  role: { type: "string", enum: [...ROLES] },
} as const;
