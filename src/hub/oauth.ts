import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { callbackUrl } from "../config/index.ts";
import { GatehouseError } from "../errors.ts";
import {
  buildAuthorizationUrl,
  exchangeCode,
  OAuthError,
  validateCallback,
  type OAuthClientConfig,
} from "../oauth/index.ts";
import { requireUser, signedIn } from "./context.ts";
import { sendErrorPage } from "./errorPage.ts";
import { checkAssignment } from "./assignment.ts";
import { requestScopes } from "./oauthConfig.ts";
import { problemSchema } from "./schemas.ts";
import { toProblem } from "./problem.ts";

export const LOGIN_PATH = "/api/integrations/oauth2/login";
export const CALLBACK_PATH = "/api/integrations/oauth2/callback/";

/** The connect link for an integration (what `loginUrl` in a 401 login_required points at). */
export function loginPath(integration: string, app?: string | null, returnTo?: string): string {
  const query = new URLSearchParams();
  if (app) query.set("app", app);
  if (returnTo) query.set("returnTo", returnTo);
  const qs = query.toString();
  return `${LOGIN_PATH}/${encodeURIComponent(integration)}${qs ? `?${qs}` : ""}`;
}

const HUB = "http://hub.invalid";

/**
 * `returnTo` when it is a path on this hub, else "/". Refuses absolute and scheme-relative URLs ("//x"),
 * backslashes (browsers read "/\x" as "//x") and control characters (browsers strip tabs and newlines,
 * which can turn "/\t/x" into "//x").
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== "string" || value === "" || value.length > 2048) return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/";
  try {
    const url = new URL(value, HUB);
    if (url.origin !== HUB) return "/";
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return "/";
  }
}

// Words for the person looking at the page, by code.
const pageMessages: Record<string, string> = {
  state_missing:
    "The sign-in answer did not say which connection attempt it belongs to. Start connecting again.",
  state_invalid:
    "This sign-in answer does not belong to a connection attempt started in this browser, or it was already used. Start connecting again.",
  state_expired: "The connection attempt took longer than 10 minutes. Start connecting again.",
  session_required: "Sign in to Gatehouse in this browser first, then connect again.",
  state_mismatch: "The sign-in answer does not match the connection attempt. Start connecting again.",
  issuer_mismatch: "The sign-in answer did not come from the provider this integration trusts.",
  integration_not_found: "The integration no longer exists.",
  invalid_grant:
    "The provider did not accept the sign-in (the code was used, expired or did not match). Start connecting again.",
};

function pageFor(reply: FastifyReply, err: unknown): FastifyReply {
  const providerError = err instanceof GatehouseError ? err.details?.providerError : undefined;
  if (err instanceof GatehouseError && typeof providerError === "string") {
    const said = providerError.slice(0, 100).replace(/_/g, " ");
    const described = err.details?.providerDescription;
    const description = typeof described === "string" ? ` (${described.slice(0, 300)})` : "";
    const status = err.status === 503 ? 503 : err.status >= 500 ? 502 : 400;
    return sendErrorPage(reply, status, err.code, `The provider said: ${said}${description}.`);
  }
  const body = toProblem(err);
  return sendErrorPage(reply, body.status, body.code, pageMessages[body.code] ?? body.detail);
}

/**
 * validateCallback, with a malformed callback (no code, garbage parameters) reported as the caller's fault
 * (400 invalid_callback): the engine calls it an invalid provider response, but the browser brought it.
 */
function checkCallback(cfg: OAuthClientConfig, url: URL, state: string): URLSearchParams {
  let params: URLSearchParams;
  try {
    params = validateCallback(cfg, url, state);
  } catch (err) {
    if (err instanceof OAuthError && err.code === "invalid_provider_response") {
      throw new GatehouseError(
        "invalid_callback",
        "The sign-in answer is malformed. Start connecting again.",
        400,
      );
    }
    // `error=` in the callback: what the provider told the browser, whatever its code, is a 400 page.
    if (err instanceof OAuthError && err.details?.providerError !== undefined) {
      throw new GatehouseError(err.code, err.message, 400, err.details);
    }
    throw err;
  }
  if (!params.get("code")) {
    throw new GatehouseError(
      "invalid_callback",
      "The sign-in answer has no authorization code. Start connecting again.",
      400,
    );
  }
  return params;
}

const pageError = (code: string, status = 400) =>
  new GatehouseError(code, pageMessages[code] ?? code, status);

/** The connect flow (authorization code): start, callback, and the user's connections. */
export const connectRoutes: FastifyPluginAsync = async (app) => {
  const { integrations, oauthStates: states, tokens, config, now, oauthConfigFor } = app;

  app.get<{ Params: { name: string }; Querystring: { app?: string; returnTo?: string } }>(
    `${LOGIN_PATH}/:name`,
    {
      schema: {
        tags: ["connect"],
        summary: "Start connecting your account (302 to the provider)",
        params: {
          type: "object",
          properties: { name: { type: "string", maxLength: 200 } },
          required: ["name"],
        },
        querystring: {
          type: "object",
          properties: {
            app: { type: "string", maxLength: 200 },
            returnTo: { type: "string", maxLength: 2048 },
          },
        },
        response: { 302: { type: "null" } },
      },
    },
    async (request, reply) => {
      try {
        return await startAuthorization(request, reply);
      } catch (err) {
        request.log.info({ problem: toProblem(err).code }, "connect refused");
        return pageFor(reply, err);
      }
    },
  );

  async function startAuthorization(
    request: FastifyRequest<{ Params: { name: string }; Querystring: { app?: string; returnTo?: string } }>,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!request.user) {
      // A browser that is not signed in: sign in first, then come back here.
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
    }
    if (request.authMethod !== "session") throw pageError("session_required", 401);
    const { name } = request.params;
    const integration = await integrations.get(name);
    if (!integration) {
      throw new GatehouseError("integration_not_found", `No integration named "${name}"`, 404);
    }
    if (integration.grantType !== "authorization_code") {
      throw new GatehouseError(
        "integration_grant_mismatch",
        `${integration.name} uses a service identity (client credentials); there is no account to connect`,
        400,
      );
    }
    const appName = request.query.app || null;
    if (appName !== null) checkAssignment(app.appDirectory, integration, appName);
    const cfg = oauthConfigFor(integration);
    const redirectUri = callbackUrl(config);
    const started = await buildAuthorizationUrl(cfg, {
      redirectUri,
      scopes: requestScopes(integration),
      pkce: true,
    });
    await states.save(started.state, {
      sessionId: request.sessionId!,
      userId: request.user.id,
      integrationId: integration.id,
      app: appName,
      returnTo: safeReturnTo(request.query.returnTo),
      codeVerifier: started.codeVerifier,
      nonce: started.nonce,
      redirectUri,
    });
    request.log.info({ integration: integration.name, userId: request.user.id }, "connect started");
    return reply.header("cache-control", "no-store").redirect(started.url, 302);
  }

  app.get(
    CALLBACK_PATH,
    {
      schema: {
        tags: ["connect"],
        summary: "Where the provider sends the browser back (302 to returnTo, or a readable error page)",
        // Any query: the provider decides what it sends; everything is checked by hand below.
        querystring: { type: "object", additionalProperties: true },
        response: { 302: { type: "null" } },
      },
    },
    async (request, reply) => {
      try {
        return await finishAuthorization(request, reply);
      } catch (err) {
        // Log the code only: the query (code, state) must never reach a log line.
        request.log.info(
          { problem: err instanceof GatehouseError ? err.code : "internal_error" },
          "connect failed",
        );
        if (!(err instanceof GatehouseError)) request.log.error({ err }, "callback failed unexpectedly");
        return pageFor(reply, err);
      }
    },
  );

  async function finishAuthorization(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const url = new URL(request.url, HUB);
    const stateValues = url.searchParams.getAll("state");
    if (stateValues.length === 0) {
      const error = url.searchParams.get("error");
      if (error !== null) {
        // A provider error without state cannot be tied to an attempt; still say what the provider said.
        throw new OAuthError("access_denied", "The provider refused", {
          providerError: error.slice(0, 100),
        });
      }
      throw pageError("state_missing");
    }
    if (stateValues.length > 1 || !stateValues[0]) throw pageError("state_invalid");
    const state = stateValues[0];
    if (!request.sessionId || !request.user) throw pageError("session_required", 401);

    const pending = await states.consume(state, request.sessionId);
    if (!pending) throw pageError("state_invalid");
    if (pending.expiresAt <= now()) throw pageError("state_expired");
    const integration = await integrations.getById(pending.integrationId);
    if (!integration) throw pageError("integration_not_found", 404);

    const cfg = oauthConfigFor(integration);
    const params = checkCallback(cfg, url, state);
    const started = now();
    const tokenSet = await exchangeCode(cfg, params, {
      redirectUri: pending.redirectUri,
      codeVerifier: pending.codeVerifier,
      nonce: pending.nonce,
      scopes: requestScopes(integration),
    });
    app.metrics.upstreamLatency((now() - started) / 1000, "code_exchange");
    await tokens.saveConnection(integration, pending.userId, tokenSet);
    request.log.info({ integration: integration.name, userId: pending.userId }, "account connected");
    return reply.header("cache-control", "no-store").redirect(pending.returnTo, 302);
  }

  const connectionSchema = {
    type: "object",
    properties: {
      integration: { type: "string" },
      status: { type: "string", enum: ["connected", "reconnect_required"] },
      scopes: { type: "array", items: { type: "string" } },
      expiresAt: { type: "string", format: "date-time" },
      connectedAt: { type: "string", format: "date-time" },
      lastRefreshedAt: { type: ["string", "null"], format: "date-time" },
    },
  } as const;

  app.get(
    "/api/me/connections",
    {
      preValidation: signedIn,
      schema: {
        tags: ["connect"],
        summary: "Your connected accounts",
        response: { 200: { type: "array", items: connectionSchema }, 401: problemSchema },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const iso = (ms: number) => new Date(ms).toISOString();
      return (await tokens.listConnections(user.id)).map((c) => ({
        ...c,
        expiresAt: iso(c.expiresAt),
        connectedAt: iso(c.connectedAt),
        lastRefreshedAt: c.lastRefreshedAt === null ? null : iso(c.lastRefreshedAt),
      }));
    },
  );

  app.delete<{ Params: { name: string } }>(
    "/api/me/connections/:name",
    {
      preValidation: signedIn,
      schema: {
        tags: ["connect"],
        summary: "Disconnect: revoke at the provider (best effort) and delete the tokens",
        params: {
          type: "object",
          properties: { name: { type: "string", maxLength: 200 } },
          required: ["name"],
        },
        response: { 204: { type: "null" }, 401: problemSchema, 403: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const integration = await integrations.get(request.params.name);
      if (!integration) {
        throw new GatehouseError(
          "integration_not_found",
          `No integration named "${request.params.name}"`,
          404,
        );
      }
      if (!(await tokens.disconnect(integration, user.id))) {
        throw new GatehouseError(
          "connection_not_found",
          `You have no connection to ${integration.name}`,
          404,
        );
      }
      request.log.info({ integration: integration.name, userId: user.id }, "account disconnected");
      return reply.code(204).send();
    },
  );
};
