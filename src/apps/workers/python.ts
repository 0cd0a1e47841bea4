/**
 * The Python worker: an app whose entry is a .py file (or whose config says `language = "python"`, or a
 * VIKTOR app directory) runs as `<interpreter> -I -B -X utf8 <runtime>/worker.py <app dir> <entry>` in the
 * same sandbox as TypeScript apps, speaking the same protocol on fd 3 (python/gatehouse/_worker.py). The
 * interpreter is GATEHOUSE_PYTHON (src/apps/python/interpreter.ts), mounted read-only with its standard
 * library and site-packages; the SDK comes from the runtime directory (src/apps/python/runtime.ts), never
 * installed. Isolated mode (-I) ignores PYTHON* variables and the user's site-packages; -B writes no
 * bytecode (the sandbox is read-only; without one it would land in the app's directory).
 *
 * Without the sandbox a Python app has nothing holding it (there is no permission model like Node's): in
 * GATEHOUSE_APP_SANDBOX=auto on a host that cannot sandbox, Python apps are refused; `off` runs them unconfined.
 *
 * Memory: Python has no heap flag like Node's --max-old-space-size. The worker caps its own data segment
 * (RLIMIT_DATA) from GATEHOUSE_MEMORY_MB, the same number, before it loads the app; a view over it fails
 * with MemoryError, the process lives on.
 */
import { basename, relative } from "node:path";
import type { AppSpec } from "../config.ts";
import { pythonInterpreter, type PythonInterpreter } from "../python/interpreter.ts";
import { checkRequirements } from "../python/requirements.ts";
import { pythonRuntime } from "../python/runtime.ts";
import type { AppWorker, PreparedApp, WorkerContext } from "./types.ts";

/** The interpreter's arguments: isolated, no bytecode written, UTF-8 whatever the locale. */
const PYTHON_FLAGS = ["-I", "-B", "-X", "utf8"] as const;

/** A warning when the app was written for another Python than the one it runs on (VIKTOR's python_version). */
export function pythonVersionWarning(spec: AppSpec, interpreter: PythonInterpreter): string | null {
  if (!spec.pythonVersion) return null;
  const wanted = spec.pythonVersion.split(".");
  const running = interpreter.version.split(".");
  if (wanted.every((part, i) => Number(part) === Number(running[i]))) return null;
  return (
    `${basename(spec.configPath)}: python_version = "${spec.pythonVersion}", but this hub runs Python apps ` +
    `with Python ${interpreter.version} (${interpreter.executable}); the app runs on it (GATEHOUSE_PYTHON names another interpreter)`
  );
}

export const pythonWorker: AppWorker = {
  accepts: (spec: AppSpec) => spec.language === "python",

  async prepare(spec: AppSpec, context: WorkerContext): Promise<PreparedApp> {
    const { sandbox } = context;
    // Node's permission model still holds a TypeScript app where the sandbox cannot run; nothing would hold
    // a Python one, so it runs unconfined only when the admin said so (GATEHOUSE_APP_SANDBOX=off).
    if (!sandbox.active && sandbox.setting !== "off") {
      throw new Error(
        `Python apps run only in the app sandbox, which this host cannot run (${sandbox.reason}): Python has no permission model to hold an app without it. Install bubblewrap, or set GATEHOUSE_APP_SANDBOX=off to run Python apps unconfined as the hub's user`,
      );
    }
    const forbidden = context.hubDataDir ? [context.hubDataDir] : [];
    const interpreter = await pythonInterpreter(context.python, forbidden);
    const runtime = await pythonRuntime(interpreter);
    const requirementWarnings = await checkRequirements({
      interpreter,
      runtime,
      sandbox: context.sandbox,
      identity: context.identity,
      appDir: context.appDir,
      flags: PYTHON_FLAGS,
    });
    const versionWarning = pythonVersionWarning(spec, interpreter);
    return {
      command: [
        interpreter.executable,
        ...PYTHON_FLAGS,
        runtime.launcher,
        context.appDir,
        relative(spec.dir, spec.entryPath),
      ],
      readOnly: [...interpreter.binds, runtime.dir],
      links: interpreter.links,
      env: { GATEHOUSE_MEMORY_MB: String(context.heapMb) },
      warnings: [...(versionWarning ? [versionWarning] : []), ...requirementWarnings],
      dispose: () => undefined,
    };
  },
};
