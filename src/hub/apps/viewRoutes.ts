import type { AddressInfo } from "node:net";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from "fastify";
import { z } from "zod";
import { ViewError } from "../../apps/runtime.ts";
import { GatehouseError } from "../../errors.ts";
import { INTEGRATION_NAME } from "../../names.ts";
import { loginPath } from "../connect/connectFlow.ts";
import { requireUser, signedIn } from "../context.ts";
import { problem, sendProblem } from "../http/problem.ts";
import { jsonSchema, problemSchema } from "../http/schemas.ts";
import { ViewRunner } from "./views.ts";

const segment = { type: "string", minLength: 1, maxLength: 200 } as const;
const viewParams = {
  type: "object",
  properties: { app: segment, view: segment },
  required: ["app", "view"],
} as const;
const viewBody = z.strictObject({ params: z.record(z.string(), z.unknown()).optional() });

/** Extra fields a view error may carry into the problem details, and what each must look like. */
const SAFE_DETAILS: Record<string, (value: unknown) => boolean> = {
  integration: (v) => typeof v === "string" && INTEGRATION_NAME.test(v),
  providerStatus: (v) => Number.isInteger(v),
  providerCode: (v) => v === null || (typeof v === "string" && v.length <= 200),
  url: (v) => typeof v === "string" && v.length <= 2000,
  app: (v) => typeof v === "string",
  view: (v) => typeof v === "string",
};

/**
 * A view error as problem details, sent as is (view errors are written for the caller even when 5xx). Errors
 * that came from an app process are the app's words: only known detail fields pass, and a login URL is
 * rebuilt by the hub — an app must not be able to send users to a page of its choosing.
 */
function sendViewError(reply: FastifyReply, err: GatehouseError, app: string): FastifyReply {
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err.details ?? {})) {
    if (SAFE_DETAILS[key]?.(value)) details[key] = value;
  }
  if (err.code === "login_required" && typeof details.integration === "string") {
    details.loginUrl = loginPath(details.integration, app);
  }
  return sendProblem(reply, problem(err.code, err.message, details, err.status));
}

/** The hub's own address for app processes (loopback even when bound to every interface). */
function internalUrl(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo | null;
  if (!address || typeof address !== "object") {
    throw new GatehouseError("not_ready", "The hub is not listening yet");
  }
  const host =
    address.address === "0.0.0.0"
      ? "127.0.0.1"
      : address.address === "::"
        ? "[::1]"
        : address.family === "IPv6"
          ? `[${address.address}]`
          : address.address;
  return `http://${host}:${address.port}`;
}

/** Running a view (CONTRACT §3 "Apps"): the result JSON of src/sdk/README.md, or problem details. */
export const viewRoutes: FastifyPluginAsync = async (app) => {
  const views = new ViewRunner({
    registry: app.appRegistry,
    invocations: app.invocations,
    config: app.config,
    hubUrl: () => internalUrl(app),
  });

  app.post<{ Params: { app: string; view: string } }>(
    "/api/apps/:app/views/:view",
    {
      preValidation: signedIn,
      schema: {
        tags: ["apps"],
        summary: "Run a view with the given params; answers the view's result JSON (see src/sdk/README.md)",
        params: viewParams,
        body: jsonSchema(viewBody),
        response: {
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
          413: problemSchema,
          422: problemSchema,
          500: problemSchema,
          502: problemSchema,
          503: problemSchema,
          504: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { app: appName, view } = request.params;
      const body = viewBody.parse(request.body ?? {});
      const started = performance.now();
      try {
        const result = await views.run(appName, view, body.params ?? {}, user.id);
        request.log.info({ app: appName, view, ms: Math.round(performance.now() - started) }, "view ran");
        return reply.header("cache-control", "no-store").send(result);
      } catch (err) {
        if (!(err instanceof ViewError)) throw err;
        request.log.info({ app: appName, view, code: err.code }, "view failed");
        return sendViewError(reply, err, appName);
      }
    },
  );
};
