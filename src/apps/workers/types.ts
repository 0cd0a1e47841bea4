/**
 * A worker kind: how apps of one language are prepared and started. The runtime (src/apps/runtime.ts) and
 * the sandbox (src/apps/sandbox/) know nothing of languages: a worker answers with a command, the host paths
 * it reads and its environment, and the runtime runs that in the app's sandbox with the channel on fd 3.
 */
import type { AppSpec } from "../config.ts";
import type { SandboxStatus } from "../sandbox/detect.ts";
import type { AppIdentity } from "../sandbox/identity.ts";

export interface WorkerContext {
  sandbox: SandboxStatus;
  /** Who the app runs as under a root hub (its bundle must be readable by it). */
  identity: AppIdentity;
  /** The app directory's real path, checked for links that leave it. */
  appDir: string;
  /** Heap cap of the app process, in MB (a worker for a runtime without one may ignore it). */
  heapMb: number;
  /** The language's own second layer inside the sandbox (Node's permission model); tests turn it off. */
  languagePermissions: boolean;
  /** GATEHOUSE_PYTHON: the interpreter Python apps run with; null for the default. */
  python: string | null;
  /** The hub's data directory: nothing the sandbox mounts may hold it. */
  hubDataDir: string | null;
}

export interface PreparedApp {
  /** The program (absolute, real path) and its arguments. */
  command: string[];
  /** Host paths the process reads besides the system's and the app directory: runtime, bundle, interpreter. */
  readOnly: string[];
  /** Symbolic links the process needs as the host has them (an interpreter's path down to its program). */
  links?: { path: string; target: string }[];
  /** Environment the worker adds to the runtime's (GATEHOUSE_APP, GATEHOUSE_CHANNEL_FD, TMPDIR, …). */
  env: Record<string, string>;
  /** What the app's page should say about how it runs (a requirement of another version, a Python version). */
  warnings?: string[];
  /** Removes what prepare() made (a bundle); called when the process ends. */
  dispose(): void;
}

export interface AppWorker {
  /** Whether this worker runs `spec` (by its entry file). */
  accepts(spec: AppSpec): boolean;
  prepare(spec: AppSpec, context: WorkerContext): Promise<PreparedApp>;
}
