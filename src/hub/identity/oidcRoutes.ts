import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { GatehouseError, errorCodeOf } from "../../errors.ts";
import { requestActor } from "./auditActions.ts";
import { SESSION_COOKIE, setSessionCookie } from "./auth.ts";
import { OidcAccounts, providerIdentity } from "./oidcAccounts.ts";
import { sendSignInPage } from "./oidcPages.ts";
import { OIDC_CALLBACK_PATH, OIDC_LOGIN_PATH, OIDC_LOGOUT_PATH } from "./oidcPaths.ts";
import { SIGNIN_COOKIE, SIGNIN_TTL_MS } from "./oidcSignIn.ts";
import { HUB_ORIGIN } from "../connect/returnTo.ts";
import { browserReturnSchema } from "../http/schemas.ts";

const COOKIE_PATH = "/api/auth/oidc";

const notConfigured = () =>
  new GatehouseError("oidc_not_configured", "This hub has no identity provider (GATEHOUSE_OIDC_ISSUER)");

/**
 * Sign-in through the hub's OpenID provider (OpenID Connect Core, code flow): the login route sends the
 * browser there, the callback checks its answer and starts a session, the logout route ends it here and
 * at the provider (RP-Initiated Logout) where the provider allows. Failures are readable pages, audited.
 */
/** True when the caller prefers JSON to a redirect (a fetch from the web UI, not a form post). */
function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/json\b/i.test(accept) && !/\btext\/html\b/i.test(accept);
}

export const oidcRoutes: FastifyPluginAsync = async (app) => {
  const { accounts, audit, config, oidcSignIn, store, userLifecycle, now } = app;
  const secure = config.publicUrl.startsWith("https:");
  const oidcAccounts = oidcSignIn
    ? new OidcAccounts({
        db: store.db,
        accounts,
        lifecycle: userLifecycle,
        audit,
        oidc: oidcSignIn.settings,
        now,
      })
    : null;

  const clearPending = (reply: FastifyReply) => reply.clearCookie(SIGNIN_COOKIE, { path: COOKIE_PATH });

  // The provider's logout is a form post from the browser; its body carries nothing the hub reads.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 4096 },
    (_req, _body, done) => done(null, {}),
  );

  app.get<{ Querystring: { returnTo?: string } }>(
    OIDC_LOGIN_PATH,
    {
      schema: {
        tags: ["auth"],
        summary: "Sign in through the identity provider (302 there; back at the callback)",
        querystring: {
          type: "object",
          properties: { returnTo: { type: "string", maxLength: 2048 } },
        },
        response: { 302: { type: "null" } },
      },
    },
    async (request, reply) => {
      try {
        if (!oidcSignIn) throw notConfigured();
        const { location, cookie } = await oidcSignIn.start(request.query.returnTo);
        reply.setCookie(SIGNIN_COOKIE, cookie, {
          path: COOKIE_PATH,
          httpOnly: true,
          // Lax: the provider's redirect back is a top-level GET, which carries it.
          sameSite: "lax",
          secure,
          maxAge: SIGNIN_TTL_MS / 1000,
        });
        return reply.header("cache-control", "no-store").redirect(location, 302);
      } catch (err) {
        request.log.info({ problem: errorCodeOf(err) ?? "internal_error" }, "sign-in not started");
        return sendSignInPage(reply, err);
      }
    },
  );

  app.get(
    OIDC_CALLBACK_PATH,
    {
      schema: browserReturnSchema(
        "auth",
        "Where the identity provider sends the browser back (302 to returnTo, or a readable page)",
      ),
    },
    async (request, reply) => {
      let email: string | null = null;
      clearPending(reply);
      try {
        if (!oidcSignIn || !oidcAccounts) throw notConfigured();
        const { signedIn, returnTo } = await oidcSignIn.finish(
          new URL(request.url, HUB_ORIGIN),
          request.cookies[SIGNIN_COOKIE],
          oidcSignIn.settings.rolesClaim,
        );
        const identity = providerIdentity(signedIn, oidcSignIn.settings.rolesClaim);
        email = identity.email;
        const user = await oidcAccounts.resolve(identity);
        // A fresh session id at every sign-in (no fixation); the old one ends.
        if (request.sessionId) await accounts.deleteSession(request.sessionId);
        await accounts.pruneSessions();
        const session = await accounts.createSession(user.id, config.sessionTtlMs, {
          signedInWith: "oidc",
          idToken: signedIn.idToken,
        });
        setSessionCookie(reply, config, session.cookieValue, session.expiresAt);
        await audit.record({
          action: "auth.signed_in",
          actor: { type: "user", id: user.id, name: user.email },
          details: { method: "oidc", issuer: identity.issuer, role: user.role, ip: request.ip },
        });
        request.log.info({ userId: user.id }, "signed in through the identity provider");
        return reply.header("cache-control", "no-store").redirect(returnTo, 302);
      } catch (err) {
        const code = errorCodeOf(err) ?? "internal_error";
        // The query (code, state) never reaches a log line; the code only.
        request.log.info({ problem: code }, "sign-in failed");
        if (!(err instanceof GatehouseError)) request.log.error({ err }, "sign-in failed unexpectedly");
        await audit
          .record({
            action: "auth.sign_in_failed",
            actor: { type: "anonymous", id: null, name: email },
            details: {
              method: "oidc",
              reason: code,
              issuer: oidcSignIn?.settings.issuer ?? null,
              ip: request.ip,
            },
          })
          .catch(() => undefined);
        return sendSignInPage(reply, err);
      }
    },
  );

  app.post(
    OIDC_LOGOUT_PATH,
    {
      schema: {
        tags: ["auth"],
        summary:
          "Sign out of the hub and of the identity provider: a form post gets 303 to the provider's end-session endpoint (or /login); a request that accepts JSON (the web UI) gets that address as {location} to navigate to",
        response: {
          200: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
          303: { type: "null" },
        },
      },
    },
    async (request, reply) => {
      let idToken: string | null = null;
      if (request.sessionId) {
        idToken = await accounts.idTokenOf(request.sessionId).catch(() => null);
        await accounts.deleteSession(request.sessionId);
        await audit.record({
          action: "auth.signed_out",
          actor: requestActor(request),
          details: { method: request.signedInWith, ip: request.ip },
        });
      }
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      const endSession =
        oidcSignIn && request.signedInWith === "oidc"
          ? await oidcSignIn.endSession(idToken).catch((err: unknown) => {
              request.log.warn(
                { problem: errorCodeOf(err) ?? "internal_error" },
                "provider logout unavailable",
              );
              return null;
            })
          : null;
      // The end-session URL carries the ID token hint: never cached, never passed on as a Referer.
      reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
      // The web UI's pages allow forms to post to the hub only (CSP form-action 'self'), and browsers apply
      // that to a form's redirects too: the UI asks by fetch and navigates to the answer itself.
      if (wantsJson(request.headers.accept)) return reply.send({ location: endSession ?? "/login" });
      return reply.redirect(endSession ?? "/login", 303);
    },
  );
};
