import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { GatehouseError } from "../../errors.ts";
import { requestActor, requestContext } from "./auditActions.ts";
import { LOGIN_ROUTE, SESSION_COOKIE, setSessionCookie } from "./auth.ts";
import { requireUser } from "../context.ts";
import { OIDC_LOGIN_PATH } from "./oidcPaths.ts";
import { PAT_SCOPES } from "./patScopes.ts";
import { jsonSchema, problemSchema, userIdentityProperties } from "../http/schemas.ts";

const loginBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
});

const meSchema = {
  type: "object",
  properties: {
    ...userIdentityProperties,
    signedInWith: {
      type: "string",
      enum: ["password", "oidc", "token"],
      description: "How this request is signed in: a password or identity-provider session, or a token",
    },
    roleManagedBy: {
      type: ["string", "null"],
      description: "The identity provider that sets the role at each sign-in, or null (set in Gatehouse)",
    },
    token: {
      type: "object",
      description: "With a personal access token: what it may do",
      properties: {
        id: { type: "string" },
        scopes: { type: "array", items: { type: "string", enum: [...PAT_SCOPES] } },
        apps: { type: ["array", "null"], items: { type: "string" } },
        expiresAt: { type: "string", format: "date-time" },
      },
    },
  },
  required: ["id", "email", "role"],
} as const;

const methodsSchema = {
  type: "object",
  properties: {
    password: { type: "boolean", description: "Passwords are accepted (GATEHOUSE_LOCAL_LOGIN)" },
    oidc: {
      type: ["object", "null"],
      properties: { name: { type: "string" }, loginUrl: { type: "string" } },
    },
  },
  required: ["password", "oidc"],
} as const;

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

/** Sign-in with a password, sign-out, how one may sign in, and who is signed in. */
export const authRoutes: FastifyPluginAsync = async (app) => {
  const { accounts, audit, config } = app;

  app.get(
    "/api/auth/methods",
    {
      schema: {
        tags: ["auth"],
        summary: "How people sign in to this hub (for the sign-in page; no session needed)",
        response: { 200: methodsSchema },
      },
    },
    async () => ({
      password: config.localLogin,
      oidc: config.oidc ? { name: config.oidc.name, loginUrl: OIDC_LOGIN_PATH } : null,
    }),
  );

  app.post(
    LOGIN_ROUTE,
    {
      config: { rateLimit: { max: config.loginRateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ["auth"],
        summary: "Sign in with a password; sets the session cookie",
        body: jsonSchema(loginBody),
        response: { 204: { type: "null" }, ...errors, 429: problemSchema },
      },
    },
    async (request, reply) => {
      const body = loginBody.parse(request.body);
      const report: { disabled?: boolean } = {};
      const user = await accounts.verifyLogin(body.email, body.password, report);
      // With passwords off only the bootstrap admin's still work (break-glass, e.g. the provider is down);
      // everyone else gets the same answer whatever they typed.
      const allowed =
        user !== null && (config.localLogin || (user.role === "admin" && user.email === config.adminEmail));
      if (!allowed) {
        const code = !config.localLogin
          ? "local_login_disabled"
          : report.disabled
            ? "account_disabled"
            : "invalid_credentials";
        await audit.record({
          action: "auth.sign_in_failed",
          actor: { type: "anonymous", id: null, name: body.email.trim().toLowerCase().slice(0, 254) },
          details: { method: "password", reason: code, ip: request.ip },
        });
        throw new GatehouseError(
          code,
          code === "local_login_disabled"
            ? "Password sign-in is turned off on this hub; sign in with the identity provider"
            : code === "account_disabled"
              ? "This account is disabled; ask an admin"
              : "Wrong email or password",
        );
      }
      // A fresh session id at every sign-in: a cookie planted before sign-in never becomes a session.
      if (request.sessionId) await accounts.deleteSession(request.sessionId);
      await accounts.pruneSessions();
      const session = await accounts.createSession(user.id, config.sessionTtlMs, {
        signedInWith: "password",
      });
      setSessionCookie(reply, config, session.cookieValue, session.expiresAt);
      await audit.record({
        action: "auth.signed_in",
        actor: { type: "user", id: user.id, name: user.email },
        details: { method: "password", ip: request.ip },
      });
      request.log.info({ userId: user.id }, "signed in");
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/auth/logout",
    {
      schema: {
        tags: ["auth"],
        summary: "Sign out; ends the session (identity-provider sessions: see /api/auth/oidc/logout)",
        response: { 204: { type: "null" }, 403: problemSchema },
      },
    },
    async (request, reply) => {
      if (request.sessionId) {
        await accounts.deleteSession(request.sessionId);
        await audit.record({
          action: "auth.signed_out",
          actor: requestActor(request),
          details: requestContext(request),
        });
      }
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/me",
    {
      schema: {
        tags: ["auth"],
        summary: "The signed-in user (any personal access token may ask)",
        response: { 200: meSchema, 401: problemSchema },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const record = await accounts.getUser(user.id);
      const pat = request.pat;
      return {
        ...user,
        signedInWith: request.authMethod === "token" ? "token" : (request.signedInWith ?? "password"),
        roleManagedBy: record?.roleManagedBy ?? null,
        ...(pat
          ? {
              token: {
                id: pat.id,
                scopes: pat.scopes,
                apps: pat.apps,
                expiresAt: new Date(pat.expiresAt).toISOString(),
              },
            }
          : {}),
      };
    },
  );
};
