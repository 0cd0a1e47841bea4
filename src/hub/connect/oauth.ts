import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ConnectionView } from "../../api/account.ts";
import { GatehouseError, errorCodeOf, errors } from "../../errors.ts";
import { requestActor, requestContext } from "../identity/auditActions.ts";
import { CALLBACK_PATH, ConnectFlow, HUB_ORIGIN, LOGIN_PATH, type ConnectAttempt } from "./connectFlow.ts";
import { pageContext, sendConnectPage } from "./connectPages.ts";
import { IssuerMetadata } from "./issuerMetadata.ts";
import { requireUser, signedIn } from "../context.ts";
import { toProblem } from "../http/problem.ts";
import { browserReturnSchema, problemSchema } from "../http/schemas.ts";

type StartRequest = FastifyRequest<{
  Params: { name: string };
  Querystring: { app?: string; returnTo?: string };
}>;

const connectionSchema = {
  type: "object",
  properties: {
    integration: { type: "string" },
    status: { type: "string", enum: ["connected", "reconnect_required"] },
    scopes: { type: "array", items: { type: "string" } },
    expiresAt: { type: "string", format: "date-time" },
    connectedAt: { type: "string", format: "date-time" },
    lastRefreshedAt: { type: ["string", "null"], format: "date-time" },
    account: {
      type: ["object", "null"],
      description: "The provider account, where the provider says (display only)",
      properties: {
        subject: { type: ["string", "null"] },
        email: { type: ["string", "null"] },
        name: { type: ["string", "null"] },
      },
    },
  },
} as const;

const iso = (ms: number): string => new Date(ms).toISOString();

/** `{name}` path parameters up to 200 characters (a longer one is a 400, not a lookup). */
const nameParam = {
  type: "object",
  properties: { name: { type: "string", maxLength: 200 } },
  required: ["name"],
} as const;

/** The connect flow's routes (authorization code: start, callback) and the user's connections. */
export const connectRoutes: FastifyPluginAsync = async (app) => {
  const { integrations, tokens } = app;
  const flow = new ConnectFlow({
    config: app.config,
    integrations,
    states: app.oauthStates,
    tokens,
    metrics: app.metrics,
    oauthConfigFor: app.oauthConfigFor,
    issuerMetadata: new IssuerMetadata({ now: app.now, log: app.log.child({ module: "connect" }) }),
    appDirectory: () => app.appDirectory,
    now: app.now,
  });

  /** The error page for a refused step, with the ways on that the attempt (once known) gives. */
  const refusalPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    err: unknown,
    attempt: ConnectAttempt | null,
  ): FastifyReply =>
    sendConnectPage(
      reply,
      err,
      pageContext(attempt, { role: request.user?.role ?? null, appDirectory: app.appDirectory }),
    );

  app.get<{ Params: { name: string }; Querystring: { app?: string; returnTo?: string } }>(
    `${LOGIN_PATH}/:name`,
    {
      schema: {
        tags: ["connect"],
        summary: "Start connecting your account (302 to the provider)",
        params: nameParam,
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
    async (request: StartRequest, reply) => {
      // A browser that is not signed in: sign in first, then come back here.
      if (!request.user) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
      let attempt: ConnectAttempt | null = null;
      try {
        const { location, integration } = await flow.startConnect({
          sessionId: request.sessionId,
          userId: request.user.id,
          integration: request.params.name,
          app: request.query.app || null,
          returnTo: request.query.returnTo,
          onAttempt: (known) => (attempt = known),
        });
        request.log.info({ integration: integration.name, userId: request.user.id }, "connect started");
        return reply.header("cache-control", "no-store").redirect(location, 302);
      } catch (err) {
        request.log.info({ problem: toProblem(err).code }, "connect refused");
        return refusalPage(request, reply, err, attempt);
      }
    },
  );

  app.get(
    CALLBACK_PATH,
    {
      schema: browserReturnSchema(
        "connect",
        "Where the provider sends the browser back (302 to returnTo, or a readable error page)",
      ),
    },
    async (request, reply) => {
      let attempt: ConnectAttempt | null = null;
      try {
        const { returnTo, integration, userId } = await flow.finishConnect({
          url: new URL(request.url, HUB_ORIGIN),
          sessionId: request.sessionId,
          userId: request.user?.id ?? null,
          onAttempt: (known) => (attempt = known),
          log: request.log,
        });
        request.log.info({ integration: integration.name, userId }, "account connected");
        await app.audit.record({
          action: "connection.connected",
          actor: requestActor(request),
          target: { type: "connection", id: null, name: integration.name },
          details: {
            integration: integration.name,
            app: (attempt as ConnectAttempt | null)?.app ?? null,
            ip: request.ip,
          },
        });
        return reply.header("cache-control", "no-store").redirect(returnTo, 302);
      } catch (err) {
        // Log the code only: the query (code, state) must never reach a log line.
        request.log.info({ problem: errorCodeOf(err) ?? "internal_error" }, "connect failed");
        if (!(err instanceof GatehouseError)) request.log.error({ err }, "callback failed unexpectedly");
        return refusalPage(request, reply, err, attempt);
      }
    },
  );

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
    async (request): Promise<ConnectionView[]> =>
      (await tokens.listConnections(requireUser(request).id)).map((c) => ({
        ...c,
        expiresAt: iso(c.expiresAt),
        connectedAt: iso(c.connectedAt),
        lastRefreshedAt: c.lastRefreshedAt === null ? null : iso(c.lastRefreshedAt),
      })),
  );

  app.delete<{ Params: { name: string } }>(
    "/api/me/connections/:name",
    {
      preValidation: signedIn,
      schema: {
        tags: ["connect"],
        summary: "Disconnect: revoke at the provider (best effort) and delete the tokens",
        params: nameParam,
        response: { 204: { type: "null" }, 401: problemSchema, 403: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const integration = await integrations.get(request.params.name);
      if (!integration) throw errors.integrationNotFound(request.params.name);
      if (!(await tokens.disconnect(integration, user.id))) {
        throw new GatehouseError("connection_not_found", `You have no connection to ${integration.name}`, {
          integration: integration.name,
        });
      }
      request.log.info({ integration: integration.name, userId: user.id }, "account disconnected");
      await app.audit.record({
        action: "connection.disconnected",
        actor: requestActor(request),
        target: { type: "connection", id: null, name: integration.name },
        details: { integration: integration.name, ...requestContext(request) },
      });
      return reply.code(204).send();
    },
  );
};
