/**
 * The Seequent emulator's resource APIs as one Fastify plugin: Evo discovery (`/evo/identity/v2/discovery`)
 * and the workspace service (`/workspace/orgs/{orgId}/workspaces`). Errors, unknown routes under these
 * prefixes included, are RFC 7807 problem JSON.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createSeequentSeed, type SeequentSeed } from "../../shared/seedSeequent.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { registerDiscoveryRoutes } from "./discovery.ts";
import { EvoApiError, PROBLEM_CONTENT_TYPE, errorBody, errors } from "./errors.ts";
import { registerWorkspaceRoutes } from "./workspaces.ts";

export type { EmulatorContext } from "../../shared/context.ts";
export { EvoApiError, PROBLEM_CONTENT_TYPE, errorBody, faultBody } from "./errors.ts";

export interface SeequentApiOptions {
  /** Defaults to a fresh copy of the standard seed. */
  seed?: SeequentSeed;
}

function sendError(reply: FastifyReply, error: EvoApiError): FastifyReply {
  return reply.code(error.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE).send(error.body());
}

function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof EvoApiError) return sendError(reply, error);
  const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err: error }, "seequent api failed");
    return reply
      .code(500)
      .type(PROBLEM_CONTENT_TYPE)
      .send(errorBody(500, "internal-server-error", "An internal server error occurred."));
  }
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(errorBody(status, "invalid-request", error.message));
}

/** Mounts the discovery and workspace routes on `app`. Await it before `listen()`. */
export async function registerSeequentApi(
  app: FastifyInstance,
  ctx: EmulatorContext,
  options: SeequentApiOptions = {},
): Promise<void> {
  const seed = options.seed ?? createSeequentSeed();
  const area =
    (register: (scope: FastifyInstance, ctx: EmulatorContext, seed: SeequentSeed) => void) =>
    async (scope: FastifyInstance) => {
      scope.setErrorHandler(handleError);
      scope.setNotFoundHandler((request, reply) =>
        sendError(reply, errors.notFound(`No resource at ${request.url.split("?")[0]!}.`)),
      );
      register(scope, ctx, seed);
    };
  await app.register(area(registerDiscoveryRoutes), { prefix: "/evo" });
  await app.register(area(registerWorkspaceRoutes), { prefix: "/workspace" });
}
