import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Logger } from "pino";
import { z } from "zod";
import type { HubConfig } from "../config/index.ts";
import { GatehouseError } from "../errors.ts";
import { ROLES, type AccountStore } from "./accounts.ts";
import { requireUser, signedIn, withRole } from "./context.ts";
import { httpErrors } from "./problem.ts";
import { jsonSchema, problemSchema } from "./schemas.ts";

export const SESSION_COOKIE = "gatehouse_session";
const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const csrfRejected = () =>
  new GatehouseError(
    "csrf_rejected",
    "A signed-in browser request that changes something must come from the hub's own pages (Origin mismatch)",
  );

/** The origin browsers send in `Origin` for pages served from the public URL. */
export function publicOrigin(publicUrl: string): string {
  return new URL(publicUrl).origin;
}

function bearerToken(request: FastifyRequest): string | null | undefined {
  const header = request.headers.authorization;
  // Other schemes (e.g. the app runtime's `Capability`) are for the routes that understand them.
  if (header === undefined || !/^Bearer(\s|$)/i.test(header)) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Who is calling: a personal access token (`Authorization: Bearer`) or the session cookie. On the root
 * instance (fastify-plugin) so every plugin sees `request.user`. Also the CSRF rule (docs/security.md): a
 * cookie-authenticated request that changes state must carry the public URL's Origin; bearer requests are
 * exempt.
 */
export const authentication = fp(
  async (app) => {
    app.decorateRequest("user", null);
    app.decorateRequest("sessionId", null);
    app.decorateRequest("authMethod", null);
    // The lookups go through the credential cache (credentialCache.ts), coherent across hubs.
    const { config } = app;
    const { credentials } = app.caches;

    app.addHook("onRequest", async (request) => {
      const bearer = bearerToken(request);
      if (bearer !== undefined) {
        const user = bearer ? await credentials.userForPersonalAccessToken(bearer) : null;
        if (!user) throw httpErrors.unauthenticated("The bearer token is not a valid personal access token");
        request.user = user;
        request.authMethod = "token";
        return;
      }
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) {
        const session = await credentials.session(cookie);
        if (session) {
          request.user = session.user;
          request.sessionId = session.sessionId;
          request.authMethod = "session";
        }
      }
      // The rule covers any request carrying the session cookie, valid or not, and the login form (login CSRF).
      const isLogin = request.url.split("?")[0] === "/api/auth/login";
      if (UNSAFE_METHODS.has(request.method) && (cookie || isLogin)) {
        const sent = request.headers.origin;
        // Read per request: a test hub learns its public URL (its port) only after listening.
        const origin = publicOrigin(config.publicUrl);
        if (isLogin ? sent !== undefined && sent !== origin : sent !== origin) throw csrfRejected();
      }
    });
  },
  {
    name: "gatehouse-authentication",
    dependencies: ["gatehouse-core", "gatehouse-accounts", "gatehouse-caches", "@fastify/cookie"],
  },
);

function setSessionCookie(reply: FastifyReply, config: HubConfig, value: string, expiresAt: number): void {
  reply.setCookie(SESSION_COOKIE, value, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: config.publicUrl.startsWith("https:"),
    expires: new Date(expiresAt),
  });
}

/** Creates the admin named by GATEHOUSE_ADMIN_EMAIL/PASSWORD when the hub has no admin yet. */
export async function bootstrapAdmin(
  accounts: AccountStore,
  config: Pick<HubConfig, "adminEmail" | "adminPassword">,
  logger: Logger,
): Promise<void> {
  const { adminEmail, adminPassword } = config;
  if (!adminEmail || !adminPassword) return;
  if (await accounts.hasAdmin()) return;
  const existing = await accounts.findByEmail(adminEmail);
  if (existing) {
    logger.warn(
      { email: adminEmail },
      "GATEHOUSE_ADMIN_EMAIL names an existing non-admin user; not changing it",
    );
    return;
  }
  await accounts.createUser({ email: adminEmail, password: adminPassword, role: "admin" });
  logger.info({ email: adminEmail }, "created the admin user");
}

const email = z.email("must be an email address").max(254);
const loginBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
});
const tokenBody = z.strictObject({ name: z.string().trim().min(1, "must not be empty").max(100) });
const userBody = z.strictObject({
  email,
  password: z.string().min(8, "must be at least 8 characters").max(1024),
  role: z.enum(ROLES as ["admin", "developer", "user"]),
});
const userSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    email: { type: "string" },
    role: { type: "string", enum: [...ROLES] },
  },
  required: ["id", "email", "role"],
} as const;
const idParams = {
  type: "object",
  properties: { id: { type: "string", maxLength: 100 } },
  required: ["id"],
} as const;
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

/** Sign-in, sign-out, the current user, personal access tokens, and creating users (admin). */
export const authRoutes: FastifyPluginAsync = async (app) => {
  const { accounts, config } = app;

  app.post(
    "/api/auth/login",
    {
      config: { rateLimit: { max: config.loginRateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ["auth"],
        summary: "Sign in; sets the session cookie",
        body: jsonSchema(loginBody),
        response: { 204: { type: "null" }, ...errors, 429: problemSchema },
      },
    },
    async (request, reply) => {
      const body = loginBody.parse(request.body);
      const user = await accounts.verifyLogin(body.email, body.password);
      if (!user) throw new GatehouseError("invalid_credentials", "Wrong email or password");
      // A fresh session id at every sign-in: a cookie planted before sign-in never becomes a session.
      if (request.sessionId) await accounts.deleteSession(request.sessionId);
      await accounts.pruneSessions();
      const session = await accounts.createSession(user.id, config.sessionTtlMs);
      setSessionCookie(reply, config, session.cookieValue, session.expiresAt);
      request.log.info({ userId: user.id }, "signed in");
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/auth/logout",
    {
      schema: {
        tags: ["auth"],
        summary: "Sign out; ends the session",
        response: { 204: { type: "null" }, 403: problemSchema },
      },
    },
    async (request, reply) => {
      if (request.sessionId) await accounts.deleteSession(request.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/me",
    {
      schema: {
        tags: ["auth"],
        summary: "The signed-in user",
        response: { 200: userSchema, 401: problemSchema },
      },
    },
    async (request) => requireUser(request),
  );

  app.get(
    "/api/me/tokens",
    {
      schema: {
        tags: ["auth"],
        summary: "Your personal access tokens (names and dates only)",
        response: {
          200: {
            type: "array",
            items: {
              type: "object",
              properties: {
                id: { type: "string" },
                name: { type: "string" },
                createdAt: { type: "string", format: "date-time" },
                lastUsedAt: { type: ["string", "null"], format: "date-time" },
              },
            },
          },
          401: problemSchema,
        },
      },
    },
    async (request) =>
      (await accounts.listPersonalAccessTokens(requireUser(request).id)).map((token) => ({
        ...token,
        createdAt: new Date(token.createdAt).toISOString(),
        lastUsedAt: token.lastUsedAt === null ? null : new Date(token.lastUsedAt).toISOString(),
      })),
  );

  app.post(
    "/api/me/tokens",
    {
      preValidation: signedIn,
      schema: {
        tags: ["auth"],
        summary: "Create a personal access token (shown once)",
        body: jsonSchema(tokenBody),
        response: {
          201: {
            type: "object",
            properties: { id: { type: "string" }, name: { type: "string" }, token: { type: "string" } },
            required: ["id", "name", "token"],
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { name } = tokenBody.parse(request.body);
      const created = await accounts.createPersonalAccessToken(user.id, name);
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .send({ id: created.id, name, token: created.token });
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/me/tokens/:id",
    {
      schema: {
        tags: ["auth"],
        summary: "Delete one of your personal access tokens",
        params: idParams,
        response: { 204: { type: "null" }, ...errors, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      if (!(await accounts.deletePersonalAccessToken(user.id, request.params.id))) {
        throw httpErrors.notFound("You have no token with that id");
      }
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/admin/users",
    {
      preValidation: withRole("admin"),
      schema: {
        tags: ["admin"],
        summary: "Every hub user (admin)",
        response: {
          200: {
            type: "array",
            items: {
              ...userSchema,
              properties: { ...userSchema.properties, createdAt: { type: "string", format: "date-time" } },
            },
          },
          ...errors,
        },
      },
    },
    async () =>
      (await accounts.listUsers()).map((user) => ({
        ...user,
        createdAt: new Date(user.createdAt).toISOString(),
      })),
  );

  app.post(
    "/api/admin/users",
    {
      preValidation: withRole("admin"),
      schema: {
        tags: ["admin"],
        summary: "Create a hub user (admin)",
        body: jsonSchema(userBody),
        response: { 201: userSchema, ...errors, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const body = userBody.parse(request.body);
      return reply.code(201).send(await accounts.createUser(body));
    },
  );
};
