/**
 * The Seequent emulator's resource APIs as one Fastify plugin: Evo discovery (`/evo/identity/v2/discovery`)
 * and the workspace service (`/workspace/orgs/{orgId}/workspaces`). Errors, unknown routes under these
 * prefixes included, are RFC 7807 problem JSON.
 */
import type { FastifyInstance } from "fastify";
import { platformErrorHandlers } from "../../shared/apiErrors.ts";
import { createSeequentSeed, type SeequentSeed } from "../../shared/seedSeequent.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { registerDiscoveryRoutes } from "./discovery.ts";
import { EvoApiError, PROBLEM_CONTENT_TYPE, errorBody, errors } from "./errors.ts";
import { registerWorkspaceRoutes } from "./workspaces.ts";

export type { EmulatorContext } from "../../shared/context.ts";
export { EvoApiError, PROBLEM_CONTENT_TYPE, errorBody, faultBody } from "./errors.ts";

/** The problem body for a path no Evo API serves. */
export const notFoundBody = (path: string): unknown => notFound(path).body();

export interface SeequentApiOptions {
  /** Defaults to a fresh copy of the standard seed. */
  seed?: SeequentSeed;
}

const notFound = (path: string): EvoApiError => errors.notFound(`No resource at ${path}.`);

const answerErrors = platformErrorHandlers({
  name: "seequent",
  contentType: PROBLEM_CONTENT_TYPE,
  isApiError: (error): error is EvoApiError => error instanceof EvoApiError,
  invalidRequest: (status, message) => errorBody(status, "invalid-request", message),
  internalError: () => errorBody(500, "internal-server-error", "An internal server error occurred."),
  notFound: (path) => notFound(path),
});

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
      answerErrors(scope);
      register(scope, ctx, seed);
    };
  await app.register(area(registerDiscoveryRoutes), { prefix: "/evo" });
  await app.register(area(registerWorkspaceRoutes), { prefix: "/workspace" });
}
