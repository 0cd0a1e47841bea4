/**
 * The Autodesk emulator's resource API as one Fastify plugin: Data Management hubs and projects under
 * `/project/v1`, JSON:API bodies (`application/vnd.api+json`) and JSON:API errors, unknown routes included.
 */
import type { FastifyInstance } from "fastify";
import { mountApiAreas, type PlatformApiOptions } from "../../shared/apiAreas.ts";
import { platformAnswers, platformErrorHandlers, type PlatformErrorShape } from "../../shared/apiErrors.ts";
import { createAutodeskSeed, type AutodeskSeed } from "../../shared/seedAutodesk.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { AUTODESK_CONTENT_TYPE, AutodeskApiError, errorBody, errors, faultBody } from "./errors.ts";
import { registerHubRoutes } from "./hubs.ts";

export type { EmulatorContext } from "../../shared/context.ts";
export { AUTODESK_CONTENT_TYPE, AutodeskApiError, errorBody, faultBody } from "./errors.ts";

export type AutodeskApiOptions = PlatformApiOptions<AutodeskSeed>;

const errorShape: PlatformErrorShape<AutodeskApiError> = {
  name: "autodesk",
  contentType: AUTODESK_CONTENT_TYPE,
  errorClass: AutodeskApiError,
  invalidRequest: (status, message) => errorBody(status, "BAD_INPUT", message),
  fault: faultBody,
  notFound: (path) => errors.notFound(`No resource at ${path}.`),
};
const answerErrors = platformErrorHandlers(errorShape);

/** How APS answers an injected fault (a path outside its APIs is the API gateway's: gatewayErrors.ts). */
export const autodeskFault = platformAnswers(errorShape).apiFault;

/** Mounts `/project/v1/hubs…` on `app`. Await it before `listen()`. */
export async function registerAutodeskApi(
  app: FastifyInstance,
  ctx: EmulatorContext,
  options: AutodeskApiOptions = {},
): Promise<void> {
  await mountApiAreas(app, ctx, options.seed ?? createAutodeskSeed(), answerErrors, {
    "/project/v1": registerHubRoutes,
  });
}
