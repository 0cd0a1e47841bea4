/**
 * The trusted half of every Python app process: the SDK and worker (python/gatehouse, python/worker.py),
 * copied once per hub process and interpreter into a directory of public code (0755/0644) and compiled there
 * by that interpreter, so that an app process starts from bytecode (the sandbox is read-only: it could not
 * write its own) and sees the SDK and nothing else of this package: not the tests, not the sources.
 *
 * The copy keeps the checkout's layout (`<runtime>/python/…`), so that a file the SDK finds beside it in the
 * checkout is found beside it here too: the data files of DATA_FILES, copied where the checkout has them.
 */
import { execFile } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PythonInterpreter } from "./interpreter.ts";

const CHECKOUT = fileURLToPath(new URL("../../../", import.meta.url));
/**
 * Files of the checkout outside python/ that the SDK reads at run time, by their path relative to its own
 * (the hub's error-code registry, which python/gatehouse/_codes.py reads from the checkout once it has one).
 */
const DATA_FILES = ["src/errors/codes.json"];
const COMPILE_TIMEOUT_MS = 60_000;

export interface PythonRuntime {
  dir: string;
  /** python/worker.py's copy (`<dir>/python/worker.py`): `python3 -I <launcher> <app dir> <entry>`. */
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
    const sdk = join(dir, "python");
    cpSync(join(CHECKOUT, "python", "gatehouse"), join(sdk, "gatehouse"), {
      recursive: true,
      filter: (source) => !/[/\\](__pycache__|\.mypy_cache)([/\\]|$)|\.pyc$/.test(source),
    });
    cpSync(join(CHECKOUT, "python", "worker.py"), join(sdk, "worker.py"));
    for (const file of DATA_FILES.filter((path) => existsSync(join(CHECKOUT, path))))
      cpSync(join(CHECKOUT, file), join(dir, file));
    await compile(interpreter, sdk);
    publicTree(dir);
    return { dir, launcher: join(sdk, "worker.py") };
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
