import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { AuditEventView } from "../../api/identity.ts";
import { AUDIT_ACTIONS } from "./auditActions.ts";
import { AUDIT_PAGE_MAX, type AuditEvent } from "./auditLog.ts";
import { withRole } from "../context.ts";
import { problemSchema, requiredObject } from "../http/schemas.ts";

/** An instant as ISO 8601 (with a zone) or epoch milliseconds. */
const instant = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const ms = /^\d{1,15}$/.test(value)
      ? Number(value)
      : /\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:?\d\d)$/.test(value)
        ? Date.parse(value)
        : NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({
        code: "custom",
        message: "must be an ISO 8601 time with a zone, or epoch milliseconds",
      });
      return z.NEVER;
    }
    return ms;
  });

export const auditQuery = z.strictObject({
  action: z
    .string()
    .max(60)
    .regex(/^[a-z_]+(\.[a-z_]+)?$/, "must be an action (user.disabled) or a family (user)")
    .optional(),
  actor: z.string().min(1).max(254).optional(),
  since: instant.optional(),
  before: instant.optional(),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, "must be the next value of the previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional(),
});

const nullableString = { type: ["string", "null"] } as const;
const eventSchema = requiredObject({
  id: { type: "string" },
  at: { type: "string", format: "date-time" },
  action: { type: "string", enum: [...AUDIT_ACTIONS] },
  actor: {
    type: "object",
    properties: {
      type: { type: "string", enum: ["user", "cli", "system", "anonymous"] },
      id: nullableString,
      name: nullableString,
    },
  },
  target: {
    type: ["object", "null"],
    properties: { type: { type: "string" }, id: nullableString, name: nullableString },
  },
  details: { type: "object", additionalProperties: true },
  count: { type: "integer", description: "Counted events (token.issued): how many in its minute" },
});

/** An event as the API and `gatehouse audit export` show it. */
export function eventView(event: AuditEvent): AuditEventView {
  return { ...event, at: new Date(event.at).toISOString() };
}

/** The audit trail for admins: read only. No route edits or deletes an event; retention alone prunes. */
export const auditRoutes: FastifyPluginAsync = async (app) => {
  const { audit } = app;

  app.get(
    "/api/admin/audit",
    {
      preValidation: withRole("admin"),
      schema: {
        tags: ["admin"],
        summary: "The audit trail, newest first; `next` is the cursor of the following page",
        querystring: {
          type: "object",
          properties: {
            action: { type: "string", description: "An action, or a family (user, pat, integration, …)" },
            actor: { type: "string", description: "A user id or an email" },
            since: { type: "string", description: "ISO 8601 time or epoch ms, inclusive" },
            before: { type: "string", description: "ISO 8601 time or epoch ms, exclusive" },
            cursor: { type: "string" },
            limit: { type: "string", description: `1–${AUDIT_PAGE_MAX}, default 100` },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: { events: { type: "array", items: eventSchema }, next: nullableString },
            required: ["events", "next"],
          },
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
        },
      },
    },
    async (request) => {
      const filter = auditQuery.parse(request.query);
      const page = await audit.list(filter);
      return { events: page.events.map(eventView), next: page.next };
    },
  );
};
