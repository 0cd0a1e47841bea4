/**
 * The Bentley emulator's resource APIs as one Fastify plugin: iTwins (`/itwins`), iModels v2 (`/imodels`)
 * and Access Control (`/accesscontrol`). Tokens are checked by the context's verifier; every error,
 * including unknown routes under these prefixes, answers in the Bentley shape.
 */
import type { FastifyInstance } from "fastify";
import { mountApiAreas, type PlatformApiOptions } from "../../shared/apiAreas.ts";
import { platformAnswers, platformErrorHandlers, type PlatformErrorShape } from "../../shared/apiErrors.ts";
import { createBentleySeed, type BentleySeed } from "../../shared/seedBentley.ts";
import { registerAccessControlRoutes } from "./accessControl.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { BentleyDirectory } from "./directory.ts";
import { BENTLEY_ERROR_CONTENT_TYPE, BentleyApiError, errorBody, errors, faultBody } from "./errors.ts";
import { registerIModelRoutes } from "./imodels.ts";
import { registerITwinRoutes } from "./itwins.ts";

export type { EmulatorContext } from "../../shared/context.ts";
export { BENTLEY_ERROR_CONTENT_TYPE, BentleyApiError, errorBody, faultBody } from "./errors.ts";

export type BentleyApiOptions = PlatformApiOptions<BentleySeed>;

const errorShape: PlatformErrorShape<BentleyApiError> = {
  name: "bentley",
  contentType: BENTLEY_ERROR_CONTENT_TYPE,
  errorClass: BentleyApiError,
  invalidRequest: (status, message) => errorBody(status, "InvalidRequest", message),
  fault: faultBody,
  // A path no Bentley API serves: ResourceNotFound / OperationNotFound.
  notFound: (path) => errors.operationNotFound(path),
};
const answerErrors = platformErrorHandlers(errorShape);

/** How Bentley answers outside its APIs' routes: an injected fault, an unknown path. */
export const bentleyAnswers = platformAnswers(errorShape);

/** Mounts the iTwins, iModels and Access Control routes on `app`. Await it before `listen()`. */
export async function registerBentleyApi(
  app: FastifyInstance,
  ctx: EmulatorContext,
  options: BentleyApiOptions = {},
): Promise<void> {
  const directory = new BentleyDirectory(options.seed ?? createBentleySeed());
  await mountApiAreas(app, ctx, directory, answerErrors, {
    "/itwins": registerITwinRoutes,
    "/imodels": registerIModelRoutes,
    "/accesscontrol": registerAccessControlRoutes,
  });
}
