/** The processes the bench measures: hubs (`gatehouse start`) and the two bare baselines. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  freePort,
  REPO_ROOT,
  startHub,
  waitFor200,
  type Child,
  type HubProcessOptions,
} from "../../test/helpers/hubProcesses.ts";
import type { BenchSeed } from "./seed.ts";

const RUN_TS = fileURLToPath(new URL("../../bin/run-ts.mjs", import.meta.url));
export const BARE_FASTIFY = fileURLToPath(new URL("../bare-server.ts", import.meta.url));
export const BARE_HTTP = fileURLToPath(new URL("../bare-http.ts", import.meta.url));

/**
 * A hub on the bench database at the default log level (`LOG_LEVEL=info`, as an operator runs it; the
 * test helper's default is `warn`).
 */
export function startBenchHub(
  databaseUrl: string,
  seed: BenchSeed,
  options: Partial<HubProcessOptions> = {},
): Promise<Child> {
  return startHub({
    databaseUrl,
    encryptionKeys: seed.keysEnv,
    ...options,
    env: { LOG_LEVEL: "info", ...options.env },
  });
}

/** A bare baseline server (bench/bare-server.ts or bench/bare-http.ts) as a child process. */
export async function startBare(script: string = BARE_FASTIFY): Promise<Child> {
  const p = await freePort();
  const child = spawn(process.execPath, [RUN_TS, script, String(p)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = `http://127.0.0.1:${p}`;
  await waitFor200(`${url}/readyz`, 30_000, child, 20);
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url,
    pid: child.pid!,
    process: child,
    stderr: () => "",
    rssMb: () => 0,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

export const bearer = (seed: BenchSeed) => ({ authorization: `Bearer ${seed.pat}` });

/** Throws unless `base` answers the seed's token request with 200. */
export async function checkToken(seed: BenchSeed, base: string): Promise<void> {
  const res = await fetch(`${base}${seed.tokenPath}`, {
    headers: bearer(seed),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`token API answered ${res.status}: ${text.slice(0, 300)}`);
}
