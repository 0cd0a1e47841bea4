/**
 * Runs `node bin/gatehouse.mjs …` as a real child process for the CLI tests: collects stdout and stderr,
 * lets a test wait for a line on stderr (e.g. the sign-in URL), and resolves with the exit code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/gatehouse.mjs", import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` on stderr (waits for it to appear). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The same on stdout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number>;
}

/** The environment of a CLI command on a hub's SQLite data dir (`keys`, `users`, `audit`), nothing inherited. */
export function hubEnv(dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_DATABASE_URL: "",
    GATEHOUSE_ENCRYPTION_KEYS: "",
    GATEHOUSE_SANDBOX: "false",
    ...extra,
  };
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startCli(args: string[], options: CliOptions = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number>((resolve) => {
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr(pattern, timeoutMs = 30_000) {
      return waitFor(() => err, "stderr", pattern, timeoutMs);
    },
    waitForStdout(pattern, timeoutMs = 30_000) {
      return waitFor(() => out, "stdout", pattern, timeoutMs);
    },
  };

  function waitFor(
    text: () => string,
    name: string,
    pattern: RegExp,
    timeoutMs: number,
  ): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = text().match(pattern);
        if (match) {
          cleanup();
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${name} never matched ${pattern}; stdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then(() => {
        if (listeners.has(check)) {
          check();
          if (listeners.has(check)) {
            cleanup();
            reject(
              new Error(
                `the process ended before ${name} matched ${pattern}; stdout:\n${out}\nstderr:\n${err}`,
              ),
            );
          }
        }
      });
      check();
    });
  }
}

/** Runs the CLI to the end: `{ code, stdout, stderr }`. */
export async function runCli(
  args: string[],
  options: CliOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startCli(args, options);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/**
 * `gatehouse dev <dir>` on `port`, isolated from the machine's own settings: emulators on free ports, the
 * config dir given (data lives below it), and no database, key or public URL from the environment.
 */
export function startDev(dir: string, port: number, configDir: string): CliRun {
  return startCli(["dev", dir], {
    env: {
      PORT: String(port),
      GATEHOUSE_PUBLIC_URL: "",
      GATEHOUSE_EMULATOR_PORTS: "0,0,0",
      GATEHOUSE_CONFIG_DIR: configDir,
      GATEHOUSE_DATA_DIR: "",
      GATEHOUSE_DATABASE_URL: "",
      GATEHOUSE_ENCRYPTION_KEYS: "",
      LOG_LEVEL: "warn",
    },
  });
}
