/**
 * The Seequent emulator's resource APIs as one Fastify plugin: Evo discovery (`/evo/identity/v2/discovery`)
 * and the workspace service (`/workspace/orgs/{orgId}/workspaces`). Errors, unknown routes under these
 * prefixes included, are RFC 7807 problem JSON.
 */
import type { FastifyInstance } from "fastify";
import { mountApiAreas, type PlatformApiOptions } from "../../shared/apiAreas.ts";
import { platformAnswers, platformErrorHandlers, type PlatformErrorShape } from "../../shared/apiErrors.ts";
import { createSeequentSeed, type SeequentSeed } from "../../shared/seedSeequent.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { registerDiscoveryRoutes } from "./discovery.ts";
import { EvoApiError, PROBLEM_CONTENT_TYPE, errorBody, errors, faultBody } from "./errors.ts";
import { registerWorkspaceRoutes } from "./workspaces.ts";

export type { EmulatorContext } from "../../shared/context.ts";
export { EvoApiError, PROBLEM_CONTENT_TYPE, errorBody, faultBody } from "./errors.ts";

export type SeequentApiOptions = PlatformApiOptions<SeequentSeed>;

const errorShape: PlatformErrorShape<EvoApiError> = {
  name: "seequent",
  contentType: PROBLEM_CONTENT_TYPE,
  errorClass: EvoApiError,
  invalidRequest: (status, message) => errorBody(status, "invalid-request", message),
  fault: faultBody,
  notFound: (path) => errors.notFound(`No resource at ${path}.`),
};
const answerErrors = platformErrorHandlers(errorShape);

/** How Evo answers outside its APIs' routes: an injected fault, an unknown path (problem JSON). */
export const seequentAnswers = platformAnswers(errorShape);

/** Mounts the discovery and workspace routes on `app`. Await it before `listen()`. */
export async function registerSeequentApi(
  app: FastifyInstance,
  ctx: EmulatorContext,
  options: SeequentApiOptions = {},
): Promise<void> {
  await mountApiAreas(app, ctx, options.seed ?? createSeequentSeed(), answerErrors, {
    "/evo": registerDiscoveryRoutes,
    "/workspace": registerWorkspaceRoutes,
  });
}
