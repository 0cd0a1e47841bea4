/**
 * The Autodesk emulator's resource API as one Fastify plugin: Data Management hubs and projects under
 * `/project/v1`, JSON:API bodies (`application/vnd.api+json`) and JSON:API errors, unknown routes included.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createAutodeskSeed, type AutodeskSeed } from "../../shared/seedAutodesk.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { AUTODESK_CONTENT_TYPE, AutodeskApiError, errorBody, errors } from "./errors.ts";
import { registerHubRoutes } from "./hubs.ts";

export type { EmulatorContext } from "../../shared/context.ts";
export { AUTODESK_CONTENT_TYPE, AutodeskApiError, errorBody, faultBody } from "./errors.ts";

export interface AutodeskApiOptions {
  /** Defaults to a fresh copy of the standard seed. */
  seed?: AutodeskSeed;
}

function sendError(reply: FastifyReply, error: AutodeskApiError): FastifyReply {
  return reply.code(error.status).type(AUTODESK_CONTENT_TYPE).send(error.body());
}

function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof AutodeskApiError) return sendError(reply, error);
  const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err: error }, "autodesk api failed");
    return reply
      .code(500)
      .type(AUTODESK_CONTENT_TYPE)
      .send(errorBody(500, "INTERNAL_SERVER_ERROR", "An internal server error occurred."));
  }
  return reply
    .code(status)
    .type(AUTODESK_CONTENT_TYPE)
    .send(errorBody(status, "BAD_INPUT", error.message));
}

/** Mounts `/project/v1/hubs…` on `app`. Await it before `listen()`. */
export async function registerAutodeskApi(
  app: FastifyInstance,
  ctx: EmulatorContext,
  options: AutodeskApiOptions = {},
): Promise<void> {
  const seed = options.seed ?? createAutodeskSeed();
  await app.register(
    async (scope) => {
      scope.setErrorHandler(handleError);
      scope.setNotFoundHandler((request, reply) =>
        sendError(reply, errors.notFound(`No resource at ${request.url.split("?")[0]!}.`)),
      );
      registerHubRoutes(scope, ctx, seed);
    },
    { prefix: "/project/v1" },
  );
}
