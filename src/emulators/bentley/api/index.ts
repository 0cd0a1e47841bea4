/**
 * The Bentley emulator's resource APIs as one Fastify plugin: iTwins (`/itwins`), iModels v2 (`/imodels`)
 * and Access Control (`/accesscontrol`). Tokens are checked by the context's verifier; every error,
 * including unknown routes under these prefixes, answers in the Bentley shape.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createBentleySeed, type BentleySeed } from "../../shared/seedBentley.ts";
import { registerAccessControlRoutes } from "./accessControl.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { BentleyDirectory } from "./directory.ts";
import { BENTLEY_ERROR_CONTENT_TYPE, BentleyApiError, errorBody, errors } from "./errors.ts";
import { registerIModelRoutes } from "./imodels.ts";
import { registerITwinRoutes } from "./itwins.ts";

export type { EmulatorContext } from "../../shared/context.ts";
export { BENTLEY_ERROR_CONTENT_TYPE, BentleyApiError, errorBody, faultBody } from "./errors.ts";

export interface BentleyApiOptions {
  /** Defaults to a fresh copy of the standard seed. */
  seed?: BentleySeed;
}

function sendError(reply: FastifyReply, error: BentleyApiError): FastifyReply {
  return reply.code(error.status).headers(error.headers).type(BENTLEY_ERROR_CONTENT_TYPE).send(error.body());
}

function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof BentleyApiError) return sendError(reply, error);
  const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err: error }, "bentley api failed");
    return reply
      .code(500)
      .type(BENTLEY_ERROR_CONTENT_TYPE)
      .send(errorBody(500, "InternalServerError", "An internal server error occurred."));
  }
  return reply
    .code(status)
    .type(BENTLEY_ERROR_CONTENT_TYPE)
    .send(errorBody(status, "InvalidRequest", error.message));
}

/** Mounts the iTwins, iModels and Access Control routes on `app`. Await it before `listen()`. */
export async function registerBentleyApi(
  app: FastifyInstance,
  ctx: EmulatorContext,
  options: BentleyApiOptions = {},
): Promise<void> {
  const directory = new BentleyDirectory(options.seed ?? createBentleySeed());
  const area =
    (register: (scope: FastifyInstance, ctx: EmulatorContext, directory: BentleyDirectory) => void) =>
    async (scope: FastifyInstance) => {
      scope.setErrorHandler(handleError);
      scope.setNotFoundHandler((request, reply) =>
        sendError(reply, errors.operationNotFound(request.url.split("?")[0]!)),
      );
      register(scope, ctx, directory);
    };
  await app.register(area(registerITwinRoutes), { prefix: "/itwins" });
  await app.register(area(registerIModelRoutes), { prefix: "/imodels" });
  await app.register(area(registerAccessControlRoutes), { prefix: "/accesscontrol" });
}
