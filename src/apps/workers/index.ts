import type { AppSpec } from "../config.ts";
import { nodeWorker } from "./node.ts";
import { pythonWorker } from "./python.ts";
import type { AppWorker } from "./types.ts";

/** The worker kinds: each runs the apps of one language (AppSpec.language). */
const WORKERS: readonly AppWorker[] = [nodeWorker, pythonWorker];

/** The worker that runs `spec`, or null when none does. */
export function workerFor(spec: AppSpec): AppWorker | null {
  return WORKERS.find((worker) => worker.accepts(spec)) ?? null;
}

export type { AppWorker, PreparedApp, WorkerContext } from "./types.ts";
