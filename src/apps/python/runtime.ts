/**
 * The trusted half of every Python app process: the SDK and worker (python/gatehouse, python/worker.py),
 * copied once per hub process and interpreter into a directory of public code (0755/0644) and compiled there
 * by that interpreter, so that an app process starts from bytecode (the sandbox is read-only: it could not
 * write its own) and sees the SDK and nothing else of this package: not the tests, not the sources.
 */
import { execFile } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PythonInterpreter } from "./interpreter.ts";

const SDK_DIR = fileURLToPath(new URL("../../../python", import.meta.url));
const COMPILE_TIMEOUT_MS = 60_000;

export interface PythonRuntime {
  dir: string;
  /** python/worker.py's copy: `python3 -I <launcher> <app dir> <entry>`. */
  launcher: string;
}

function publicTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) publicTree(path);
    else chmodSync(path, 0o644);
  }
}

function compile(interpreter: PythonInterpreter, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      interpreter.executable,
      ["-I", "-m", "compileall", "-q", join(dir, "gatehouse")],
      { env: {}, timeout: COMPILE_TIMEOUT_MS, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (!err) return resolve();
        const said = `${stdout}\n${stderr}`.trim().split("\n").at(-1);
        reject(new Error(`the Python SDK does not compile with ${interpreter.executable}: ${said}`));
      },
    );
  });
}

async function buildRuntime(interpreter: PythonInterpreter): Promise<PythonRuntime> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-python-"));
  try {
    cpSync(join(SDK_DIR, "gatehouse"), join(dir, "gatehouse"), {
      recursive: true,
      filter: (source) => !/[/\\](__pycache__|\.mypy_cache)([/\\]|$)|\.pyc$/.test(source),
    });
    cpSync(join(SDK_DIR, "worker.py"), join(dir, "worker.py"));
    await compile(interpreter, dir);
    publicTree(dir);
    return { dir, launcher: join(dir, "worker.py") };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const runtimes = new Map<string, Promise<PythonRuntime>>();

/** The runtime for `interpreter` in this hub process, built on first use and removed when the process exits. */
export function pythonRuntime(interpreter: PythonInterpreter): Promise<PythonRuntime> {
  let runtime = runtimes.get(interpreter.executable);
  if (!runtime) {
    runtime = buildRuntime(interpreter);
    runtimes.set(interpreter.executable, runtime);
    runtime.then(
      (built) => process.once("exit", () => rmSync(built.dir, { recursive: true, force: true })),
      () => runtimes.delete(interpreter.executable),
    );
  }
  return runtime;
}
