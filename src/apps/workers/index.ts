import type { AppSpec } from "../config.ts";
import { nodeWorker } from "./node.ts";
import type { AppWorker } from "./types.ts";

/** The worker kinds, tried in order (a Python worker joins here). */
const WORKERS: readonly AppWorker[] = [nodeWorker];

/** The worker that runs `spec`, or null when none does (its entry is of no known language). */
export function workerFor(spec: AppSpec): AppWorker | null {
  return WORKERS.find((worker) => worker.accepts(spec)) ?? null;
}

export type { AppWorker, PreparedApp, WorkerContext } from "./types.ts";
