import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Logger } from "pino";
import type { HubConfig } from "../../config/index.ts";
import { GatehouseError } from "../../errors.ts";
import { SYSTEM_ACTOR } from "./auditActions.ts";
import type { AccountStore, PatCredential } from "./accounts.ts";
import { checkPatRequest } from "./patScopes.ts";

export const SESSION_COOKIE = "gatehouse_session";
/** The password sign-in route: the one unsafe route a browser reaches without a session (login CSRF). */
export const LOGIN_ROUTE = "/api/auth/login";
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

/** The token of an `Authorization: Bearer` header; null: the scheme with no token; undefined: no bearer. */
export function bearerToken(header: string | undefined): string | null | undefined {
  // Other schemes (e.g. the app runtime's `Capability`) are for the routes that understand them.
  if (header === undefined || !/^Bearer(\s|$)/i.test(header)) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Signs the request in with a personal access token, held to its scopes and apps for this route. */
function useToken(request: FastifyRequest, credential: PatCredential): void {
  request.user = credential.user;
  request.authMethod = "token";
  request.pat = credential.token;
  checkPatRequest(credential.token, request);
}

/**
 * Who is calling: a personal access token (`Authorization: Bearer`) or the session cookie. On the root
 * instance (fastify-plugin) so every plugin sees `request.user`. A token is held to its scopes and apps
 * (patScopes.ts) for the route the router matched; an expired or revoked one is refused with its own code.
 * Also the CSRF rule (docs/security.md): a cookie-authenticated request that changes state must carry the
 * public URL's Origin; bearer requests are exempt.
 */
export const authentication = fp(
  async (app) => {
    app.decorateRequest("user", null);
    app.decorateRequest("sessionId", null);
    app.decorateRequest("authMethod", null);
    app.decorateRequest("pat", null);
    app.decorateRequest("signedInWith", null);
    // The lookups go through the credential cache (credentialCache.ts), coherent across hubs.
    const { config, tokenRefusals } = app;
    const { credentials } = app.caches;

    /** The bearer path once the credential is known; null: the token does not authenticate. */
    const acceptToken = async (request: FastifyRequest, bearer: string, credential: PatCredential | null) => {
      if (!credential) throw await tokenRefusals.explain(bearer, { ip: request.ip });
      useToken(request, credential);
    };

    const authenticateSession = async (request: FastifyRequest) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) {
        const session = await credentials.session(cookie);
        if (session) {
          request.user = session.user;
          request.sessionId = session.sessionId;
          request.authMethod = "session";
          request.signedInWith = session.signedInWith;
        }
      }
      // The rule covers any request carrying the session cookie, valid or not, and the login form (login CSRF).
      // The route the router matched, not the raw URL: "/api/auth/%6cogin" is the login route too.
      const isLogin = request.routeOptions.url === LOGIN_ROUTE;
      if (UNSAFE_METHODS.has(request.method) && (cookie || isLogin)) {
        const sent = request.headers.origin;
        // Read per request: a test hub learns its public URL (its port) only after listening.
        const origin = publicOrigin(config.publicUrl);
        if (isLogin ? sent !== undefined && sent !== origin : sent !== origin) throw csrfRejected();
      }
    };

    // A callback hook: a token the cache holds is accepted without a promise or a turn of the event loop
    // (the token API's hot path); anything else takes the async paths above.
    app.addHook("onRequest", (request, _reply, done) => {
      const bearer = bearerToken(request.headers.authorization);
      if (bearer === undefined) {
        authenticateSession(request).then(() => done(), done);
        return;
      }
      // An empty `Bearer` is refused like an unknown token.
      const presented = bearer ?? "";
      const credential = presented ? credentials.userForPersonalAccessToken(presented) : null;
      if (credential === null || credential instanceof Promise) {
        Promise.resolve(credential)
          .then((found) => acceptToken(request, presented, found))
          .then(() => done(), done);
        return;
      }
      try {
        useToken(request, credential);
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    });
  },
  {
    name: "gatehouse-authentication",
    dependencies: ["gatehouse-core", "gatehouse-accounts", "gatehouse-caches", "@fastify/cookie"],
  },
);

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure on an https public URL. */
export function setSessionCookie(
  reply: FastifyReply,
  config: HubConfig,
  value: string,
  expiresAt: number,
): void {
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
  await accounts.createUser({ email: adminEmail, password: adminPassword, role: "admin" }, SYSTEM_ACTOR);
  logger.info({ email: adminEmail }, "created the admin user");
}
