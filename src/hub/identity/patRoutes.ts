import type { TokenInfo } from "../../api/identity.ts";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { APP_NAME, APP_NAME_RULE } from "../../names.ts";
import { requestActor } from "./auditActions.ts";
import { requireUser, signedIn } from "../context.ts";
import { PAT_DEFAULT_DAYS, PAT_MAX_DAYS, type PersonalAccessTokenInfo } from "./personalTokens.ts";
import { PAT_SCOPES } from "./patScopes.ts";
import { httpErrors } from "../http/problem.ts";
import { jsonSchema, problemSchema, idParams, requiredObject } from "../http/schemas.ts";

export const tokenBody = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(100),
  expiresInDays: z
    .number()
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(PAT_MAX_DAYS, `must be at most ${PAT_MAX_DAYS} days`)
    .optional(),
  scopes: z
    .array(z.enum(PAT_SCOPES, `must be one of ${PAT_SCOPES.join(", ")}`))
    .min(1, "must name at least one scope (leave it out for tokens:read apps:run)")
    .max(PAT_SCOPES.length)
    .optional(),
  apps: z
    .array(z.string().regex(APP_NAME, APP_NAME_RULE))
    .min(1, "must name an app, or be left out")
    .max(50)
    .nullable()
    .optional(),
});

const iso = (ms: number): string => new Date(ms).toISOString();

/** A token as every list shows it (names and dates, never the token or its hash). */
export function tokenView(token: PersonalAccessTokenInfo, now: number): TokenInfo {
  return {
    id: token.id,
    name: token.name,
    createdAt: iso(token.createdAt),
    lastUsedAt: token.lastUsedAt === null ? null : iso(token.lastUsedAt),
    expiresAt: iso(token.expiresAt),
    expired: token.expiresAt <= now,
    scopes: token.scopes,
    apps: token.apps,
  };
}

export const tokenViewSchema = requiredObject({
  id: { type: "string" },
  name: { type: "string" },
  createdAt: { type: "string", format: "date-time" },
  lastUsedAt: { type: ["string", "null"], format: "date-time" },
  expiresAt: { type: "string", format: "date-time" },
  expired: { type: "boolean" },
  scopes: { type: "array", items: { type: "string", enum: [...PAT_SCOPES] } },
  apps: { type: ["array", "null"], items: { type: "string" }, description: "Null: every app" },
});

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

/**
 * Your personal access tokens, from a signed-in browser session only (patScopes.ts refuses tokens here:
 * a token cannot mint tokens or keep itself alive).
 */
export const patRoutes: FastifyPluginAsync = async (app) => {
  const { accounts, now } = app;

  app.get(
    "/api/me/tokens",
    {
      preValidation: signedIn,
      schema: {
        tags: ["auth"],
        summary: "Your personal access tokens (names, scopes and dates only)",
        response: { 200: { type: "array", items: tokenViewSchema }, 401: problemSchema, 403: problemSchema },
      },
    },
    async (request) =>
      (await accounts.listPersonalAccessTokens(requireUser(request).id)).map((token) =>
        tokenView(token, now()),
      ),
  );

  app.post(
    "/api/me/tokens",
    {
      preValidation: signedIn,
      schema: {
        tags: ["auth"],
        summary: `Create a personal access token (shown once; ${PAT_DEFAULT_DAYS} days and tokens:read apps:run unless told)`,
        body: jsonSchema(tokenBody),
        response: {
          201: requiredObject({ ...tokenViewSchema.properties, token: { type: "string" } }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const body = tokenBody.parse(request.body);
      const created = await accounts.tokens.create(user, body, requestActor(request));
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .send({ ...tokenView(created, now()), token: created.token });
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/me/tokens/:id",
    {
      preValidation: signedIn,
      schema: {
        tags: ["auth"],
        summary: "Revoke one of your personal access tokens",
        params: idParams,
        response: { 204: { type: "null" }, ...errors, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      if (!(await accounts.tokens.revoke(user.id, request.params.id, requestActor(request)))) {
        throw httpErrors.notFound("You have no token with that id");
      }
      return reply.code(204).send();
    },
  );
};
