// Kept apart from hub.ts, which the benchmarks import outside any test runner.
import { afterAll, beforeAll } from "vitest";
import { startTestHub, type TestHub, type TestHubOptions } from "./hub.ts";

/**
 * Starts a test hub before the suite's tests and closes it after them; call the answer inside hooks and
 * tests. `options` may be a function, for values only ready in a hook (forEachDatabase's store).
 */
export function useTestHub(options: TestHubOptions | (() => TestHubOptions) = {}): () => TestHub {
  let hub: TestHub | undefined;
  beforeAll(async () => {
    hub = await startTestHub(typeof options === "function" ? options() : options);
  });
  afterAll(async () => {
    await hub?.close();
  });
  return () => {
    if (!hub) throw new Error("the test hub is not started yet: use it inside hooks and tests");
    return hub;
  };
}
