import type { UserView } from "../../api/identity.ts";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { randomToken } from "../../vault/hashing.ts";
import { requestActor, requestContext } from "./auditActions.ts";
import { ROLES, type UserRecord } from "./accounts.ts";
import { tokenView, tokenViewSchema } from "./patRoutes.ts";
import { httpErrors } from "../http/problem.ts";
import { jsonSchema, problemSchema, idParams, userIdentityProperties } from "../http/schemas.ts";
import { userNotFound } from "./userLifecycle.ts";
import { adminRoute } from "../http/adminRoute.ts";

const roleEnum = z.enum(ROLES as ["admin", "developer", "user"]);
const password = z.string().min(8, "must be at least 8 characters").max(1024);

const createBody = z.strictObject({
  email: z.email("must be an email address").max(254),
  password,
  role: roleEnum,
});
const patchBody = z
  .strictObject({ role: roleEnum.optional(), disabled: z.boolean().optional() })
  .refine((body) => body.role !== undefined || body.disabled !== undefined, "send role, disabled or both");
const passwordBody = z.strictObject({ password: password.optional() });

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A user as the admin API shows them (never a password hash). */
function userView(user: UserRecord, identities: UserView["identities"]): UserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    createdAt: new Date(user.createdAt).toISOString(),
    disabled: user.disabledAt !== null,
    disabledAt: iso(user.disabledAt),
    roleManagedBy: user.roleManagedBy,
    hasPassword: user.hasPassword,
    identities,
  };
}

const userViewSchema = {
  type: "object",
  properties: {
    ...userIdentityProperties,
    createdAt: { type: "string", format: "date-time" },
    disabled: { type: "boolean" },
    disabledAt: { type: ["string", "null"], format: "date-time" },
    roleManagedBy: {
      type: ["string", "null"],
      description: "The identity provider (issuer) that sets the role at each sign-in; null: set here",
    },
    hasPassword: { type: "boolean", description: "Can sign in with a password (a local user)" },
    identities: {
      type: "array",
      items: {
        type: "object",
        properties: { issuer: { type: "string" }, email: { type: ["string", "null"] } },
      },
    },
  },
  required: ["id", "email", "role", "disabled", "roleManagedBy", "hasPassword", "identities"],
} as const;

const tokenParams = {
  type: "object",
  properties: { id: { type: "string", maxLength: 100 }, tokenId: { type: "string", maxLength: 100 } },
  required: ["id", "tokenId"],
} as const;
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

/**
 * The admin's users API: list, create, change role, disable/enable, delete, reset a local user's password,
 * and every user's personal access tokens. The rules (last admin, roles from the identity provider, what
 * ends with a user) are `UserLifecycle`'s.
 */
export const userRoutes: FastifyPluginAsync = async (app) => {
  const { accounts, userLifecycle, tokens, integrations, store, now } = app;

  const identitiesOf = async (userIds: string[]) => {
    const rows = userIds.length
      ? await store.db
          .selectFrom("user_identities")
          .select(["user_id", "issuer", "email"])
          .where("user_id", "in", userIds)
          .execute()
      : [];
    return (id: string) =>
      rows.filter((row) => row.user_id === id).map(({ issuer, email }) => ({ issuer, email }));
  };
  const view = async (user: UserRecord) => userView(user, (await identitiesOf([user.id]))(user.id));

  app.get(
    "/api/admin/users",
    adminRoute("Every hub user (admin)", {
      response: { 200: { type: "array", items: userViewSchema }, ...errors },
    }),
    async () => {
      const users = await accounts.listUsers();
      const identities = await identitiesOf(users.map((user) => user.id));
      return users.map((user) => userView(user, identities(user.id)));
    },
  );

  app.post(
    "/api/admin/users",
    adminRoute("Create a hub user with a password (admin)", {
      body: jsonSchema(createBody),
      response: { 201: userViewSchema, ...errors, 409: problemSchema },
    }),
    async (request, reply) => {
      const body = createBody.parse(request.body);
      const created = await accounts.createUser(body, requestActor(request));
      return reply.code(201).send(await view((await accounts.getUser(created.id))!));
    },
  );

  app.patch<{ Params: { id: string } }>(
    "/api/admin/users/:id",
    adminRoute(
      "Change a user's role or disable/enable them; disabling ends their sessions and revokes their tokens on every hub",
      {
        params: idParams,
        body: jsonSchema(patchBody),
        response: { 200: userViewSchema, ...errors, 409: problemSchema },
      },
    ),
    async (request) => {
      const body = patchBody.parse(request.body);
      const updated = await userLifecycle.update(request.params.id, body, requestActor(request));
      request.log.info({ userId: updated.id, ...body }, "user updated");
      return view(updated);
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/admin/users/:id",
    adminRoute(
      "Delete a user: their provider connections are revoked, then everything of theirs is deleted",
      {
        params: idParams,
        response: { 204: { type: "null" }, ...errors, 409: problemSchema },
      },
    ),
    async (request, reply) => {
      await userLifecycle.delete(request.params.id, requestActor(request), async (userId) => {
        const connections = await tokens.listConnections(userId);
        for (const connection of connections) {
          const integration = await integrations.get(connection.integration);
          if (integration) await tokens.disconnect(integration, userId);
        }
      });
      request.log.info({ userId: request.params.id }, "user deleted");
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    "/api/admin/users/:id/password",
    adminRoute(
      "Set a local user's password (generated and shown once when none is sent); ends their sessions",
      {
        params: idParams,
        body: jsonSchema(passwordBody),
        response: {
          200: { type: "object", properties: { password: { type: "string" } } },
          ...errors,
          409: problemSchema,
        },
      },
    ),
    async (request, reply) => {
      const body = passwordBody.parse(request.body ?? {});
      const chosen = body.password ?? randomToken(18);
      await userLifecycle.resetPassword(request.params.id, chosen, requestActor(request));
      return reply
        .header("cache-control", "no-store")
        .send(body.password === undefined ? { password: chosen } : {});
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/admin/users/:id/tokens",
    adminRoute("A user's personal access tokens (admin)", {
      params: idParams,
      response: { 200: { type: "array", items: tokenViewSchema }, ...errors },
    }),
    async (request) => {
      if (!(await accounts.getUser(request.params.id))) throw userNotFound();
      return (await accounts.listPersonalAccessTokens(request.params.id)).map((token) =>
        tokenView(token, now()),
      );
    },
  );

  app.delete<{ Params: { id: string; tokenId: string } }>(
    "/api/admin/users/:id/tokens/:tokenId",
    adminRoute("Revoke one of a user's personal access tokens (admin)", {
      params: tokenParams,
      response: { 204: { type: "null" }, ...errors },
    }),
    async (request, reply) => {
      const revoked = await accounts.tokens.revoke(
        request.params.id,
        request.params.tokenId,
        requestActor(request),
      );
      if (!revoked) throw httpErrors.notFound("That user has no token with that id");
      request.log.info(
        { userId: request.params.id, tokenId: revoked.id, ...requestContext(request) },
        "token revoked",
      );
      return reply.code(204).send();
    },
  );
};
