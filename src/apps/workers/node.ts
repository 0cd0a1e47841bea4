/**
 * The TypeScript/JavaScript worker: the app is bundled (confined, src/apps/bundle.ts) and run by Node as
 * `node worker.mjs <bundle>`, with a heap cap and Node's permission model as a second layer inside the
 * sandbox: it may read its bundle, the runtime and its own directory; it may not write files, start
 * processes or threads, or load native addons.
 */
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { bundleApp } from "../bundle.ts";
import type { AppSpec } from "../config.ts";
import { nodeRuntime } from "../nodeRuntime.ts";
import type { AppWorker, PreparedApp, WorkerContext } from "./types.ts";

/** Node's permission model: the flag's name changed in Node 22.13 / 23.5 (--experimental-permission before). */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has("--permission")
  ? "--permission"
  : "--experimental-permission";
/** Node versions whose permission model also covers the network (apps must reach the platforms). */
const NETWORK_FLAG = process.allowedNodeEnvironmentFlags.has("--allow-net") ? ["--allow-net"] : [];

export function permissionFlags(readable: { file: string; dirs: string[] }): string[] {
  return [
    PERMISSION_FLAG,
    `--allow-fs-read=${readable.file}`,
    // Directories' contents (a wildcard: Node 20 aborts when a directory and its wildcard are both given).
    ...readable.dirs.map((dir) => `--allow-fs-read=${join(dir, "*")}`),
    ...NETWORK_FLAG,
  ];
}

/** A CA bundle the operator gave Node (NODE_EXTRA_CA_CERTS): apps calling the platforms through it need it. */
function extraCaCerts(): { env: Record<string, string>; paths: string[] } {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return { env: {}, paths: [] };
  try {
    return { env: { NODE_EXTRA_CA_CERTS: file }, paths: [realpathSync(file)] };
  } catch {
    return { env: {}, paths: [] };
  }
}

export const nodeWorker: AppWorker = {
  accepts: (spec: AppSpec) => spec.language === "typescript",

  async prepare(spec: AppSpec, context: WorkerContext): Promise<PreparedApp> {
    const runtime = await nodeRuntime();
    const bundle = await bundleApp(spec, { runtime, ...context });
    const ca = extraCaCerts();
    const flags = [
      `--max-old-space-size=${context.heapMb}`,
      "--enable-source-maps",
      "--disable-warning=ExperimentalWarning",
      ...(context.languagePermissions
        ? permissionFlags({ file: bundle.file, dirs: [runtime.dir, context.appDir] })
        : []),
    ];
    return {
      command: [runtime.node, ...flags, runtime.worker, bundle.file],
      readOnly: [runtime.node, runtime.dir, bundle.dir, ...ca.paths],
      env: { NODE_ENV: process.env.NODE_ENV ?? "production", ...ca.env },
      dispose: () => bundle.dispose(),
    };
  },
};
