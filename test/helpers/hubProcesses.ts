/**
 * Child processes for the bench and the multi-hub, fault and restart tests: hubs as an operator runs them
 * (`node bin/gatehouse.mjs start`, no sandbox), the sandbox hub as `npm start` runs it (`startSandboxHub`),
 * and the provider emulators (`node bin/gatehouse.mjs emulate`), so that the load generator in the bench
 * process never shares an event loop with what it measures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./freePort.ts";

export { freePort };

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = fileURLToPath(new URL("../../bin/gatehouse.mjs", import.meta.url));

export interface Child {
  url: string;
  pid: number;
  process: ChildProcess;
  /** Everything it wrote to stderr (for error messages). */
  stderr(): string;
  /** Resident set size in MiB (Linux /proc). */
  rssMb(): number;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** SIGKILL at once (fault tests). */
  kill(): Promise<void>;
}

function wrap(child: ChildProcess, url: string): Child {
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err = (err + chunk.toString("utf8")).slice(-8_000);
  });
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    url,
    pid: child.pid!,
    process: child,
    stderr: () => err,
    rssMb: () => rssMb(child.pid!),
    stop: () => signal("SIGTERM", 10_000),
    kill: () => signal("SIGKILL", 0),
  };
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "0");
  return Math.round((kb / 1024) * 10) / 10;
}

/** Polls `url` until it answers 200; returns the ms waited. Throws after `timeoutMs`. */
export async function waitFor200(
  url: string,
  timeoutMs: number,
  child?: ChildProcess,
  intervalMs = 10,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${url} answered`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs)
      throw new Error(`${url} did not answer 200 in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface HubProcessOptions {
  databaseUrl: string;
  encryptionKeys: string;
  /** Default: a free port. */
  port?: number;
  /** Default: http://127.0.0.1:<port>. */
  publicUrl?: string;
  backgroundRefresh?: boolean;
  env?: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** Spawns `gatehouse start` (no sandbox, no apps directory) without waiting for it. */
export async function spawnHub(options: HubProcessOptions): Promise<{ child: Child; startedAt: number }> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, "start"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      GATEHOUSE_PUBLIC_URL: options.publicUrl ?? url,
      GATEHOUSE_SANDBOX: "false",
      GATEHOUSE_DATABASE_URL: options.databaseUrl,
      GATEHOUSE_ENCRYPTION_KEYS: options.encryptionKeys,
      GATEHOUSE_DATA_DIR: `/tmp/gatehouse-bench-unused-${port}`,
      // No apps directory: the token API then knows an app by the integrations assigned to it.
      GATEHOUSE_APPS_DIR: `/tmp/gatehouse-bench-no-apps-${port}`,
      GATEHOUSE_BACKGROUND_REFRESH: options.backgroundRefresh ? "true" : "false",
      GATEHOUSE_LOGIN_RATE_LIMIT: "100000",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { child: wrap(child, url), startedAt };
}

/** Starts a hub and waits for /readyz. */
export async function startHub(options: HubProcessOptions): Promise<Child> {
  const { child } = await spawnHub(options);
  try {
    await waitFor200(`${child.url}/readyz`, 60_000, child.process, 50);
  } catch (error) {
    await child.kill();
    throw new Error(`hub did not start: ${(error as Error).message}\n${child.stderr()}`, { cause: error });
  }
  return child;
}

export interface EmulatorProcess extends Child {
  bentley: string;
  autodesk: string;
  seequent: string;
  /** PATCH /_emulator/knobs on the Bentley emulator. */
  knobs(patch: Record<string, unknown>): Promise<void>;
  /** GET /_emulator/stats of the Bentley emulator. */
  stats(): Promise<{ token: Record<string, { ok: number; error: number }> }>;
  resetStats(): Promise<void>;
}

export interface EmulatorProcessOptions {
  /** `--data-dir`; default a fresh temp dir, removed when the process is stopped. */
  dataDir?: string;
  /** Bentley, Autodesk, Seequent; default three free ports. */
  ports?: [number, number, number];
}

/** `gatehouse emulate` on three free ports, accepting `redirectUris` for sandbox-web. */
export async function startEmulatorProcess(
  redirectUris: string[],
  options: EmulatorProcessOptions = {},
): Promise<EmulatorProcess> {
  const ports = options.ports ?? [await freePort(), await freePort(), await freePort()];
  const ownDataDir = options.dataDir ? null : mkdtempSync(join(tmpdir(), "gatehouse-emulate-"));
  const dataDir = options.dataDir ?? ownDataDir!;
  const child = spawn(process.execPath, [CLI, "emulate", "--data-dir", dataDir], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      GATEHOUSE_EMULATOR_PORTS: ports.join(","),
      GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS: redirectUris.join(","),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [bentley, autodesk, seequent] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string, string];
  const child0 = wrap(child, bentley);
  const removeOwnDir = () => {
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  };
  const wrapped: Child = {
    ...child0,
    stop: async () => {
      await child0.stop();
      removeOwnDir();
    },
    kill: async () => {
      await child0.kill();
      removeOwnDir();
    },
  };
  try {
    for (const base of [bentley, autodesk, seequent]) {
      await waitFor200(`${base}/_emulator/stats`, 60_000, child, 50);
    }
  } catch (error) {
    await wrapped.kill();
    throw new Error(`emulators did not start: ${(error as Error).message}\n${wrapped.stderr()}`, {
      cause: error,
    });
  }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${bentley}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : null;
  };
  return {
    ...wrapped,
    bentley,
    autodesk,
    seequent,
    knobs: async (patch) => void (await call("PATCH", "knobs", patch)),
    stats: async () =>
      (await call("GET", "stats")) as { token: Record<string, { ok: number; error: number }> },
    resetStats: async () => void (await call("POST", "stats/reset")),
  };
}

export interface SandboxHubOptions {
  /** GATEHOUSE_DATA_DIR: the hub's database, keys.json and the emulators' state (`emulators/`). */
  dataDir: string;
  port: number;
  /** Bentley, Autodesk, Seequent: fixed ports, so a restart finds its emulators where they were. */
  emulatorPorts: [number, number, number];
  env?: Record<string, string>;
}

export interface SandboxHub extends Child {
  bentley: string;
  autodesk: string;
  seequent: string;
}

/**
 * `gatehouse start` in the sandbox as `npm start` runs it — the hub, its emulators, the demo users and the
 * example apps, everything generated into `dataDir` (database, keys.json, emulators/) — on the given
 * ports; resolves once /readyz answers. Background refresh is off, so tokens are only refreshed when asked.
 */
export async function startSandboxHub(options: SandboxHubOptions): Promise<SandboxHub> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [CLI, "start"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(options.port),
      HOST: "127.0.0.1",
      GATEHOUSE_PUBLIC_URL: url,
      GATEHOUSE_SANDBOX: "true",
      GATEHOUSE_DATA_DIR: options.dataDir,
      GATEHOUSE_EMULATOR_PORTS: options.emulatorPorts.join(","),
      GATEHOUSE_BACKGROUND_REFRESH: "false",
      GATEHOUSE_LOGIN_RATE_LIMIT: "100000",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const wrapped = wrap(child, url);
  try {
    await waitFor200(`${url}/readyz`, 90_000, child, 50);
  } catch (error) {
    await wrapped.kill();
    throw new Error(`sandbox hub did not start: ${(error as Error).message}\n${wrapped.stderr()}`, {
      cause: error,
    });
  }
  const [bentley, autodesk, seequent] = options.emulatorPorts.map((p) => `http://127.0.0.1:${p}`) as [
    string,
    string,
    string,
  ];
  return { ...wrapped, bentley, autodesk, seequent };
}
