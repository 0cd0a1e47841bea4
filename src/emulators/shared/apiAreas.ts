/**
 * How an emulator mounts its resource API: each area (a prefix and the routes under it) in a Fastify scope
 * of its own whose every error, unknown routes included, answers in the platform's shape.
 */
import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "./context.ts";

/** What a platform API's register function takes besides the app and the context. */
export interface PlatformApiOptions<Seed> {
  /** Defaults to a fresh copy of the standard seed. */
  seed?: Seed;
}

/** Mounts one area's routes on its scope, over the API's state (its seed, or what it built from it). */
export type AreaRoutes<State> = (scope: FastifyInstance, ctx: EmulatorContext, state: State) => void;

/** Registers every area under its prefix (the keys of `areas`, in order). Await it before `listen()`. */
export async function mountApiAreas<State>(
  app: FastifyInstance,
  ctx: EmulatorContext,
  state: State,
  answerErrors: (scope: FastifyInstance) => void,
  areas: Record<string, AreaRoutes<State>>,
): Promise<void> {
  for (const [prefix, routes] of Object.entries(areas)) {
    await app.register(
      async (scope) => {
        answerErrors(scope);
        routes(scope, ctx, state);
      },
      { prefix },
    );
  }
}
