/**
 * vitest globalSetup: makes a PostgreSQL 15 available to every test file as `inject("pgUrl")`.
 *
 * 1. GATEHOUSE_TEST_PG_URL set (CI: `.ci/run` starts the server) → use it.
 * 2. Else, when Debian's PostgreSQL 15 is installed → start a throwaway cluster in a temp dir on a free
 *    127.0.0.1 port (as the `postgres` user when we are root: initdb refuses root), stop it and remove
 *    the dir at teardown. TCP needs a random password (SCRAM, test/helpers/pgAuth.ts), which the URL carries.
 * 3. Else → fail when CI=true; otherwise provide null and the PostgreSQL suites skip, saying why
 *    (`inject("pgSkipReason")`).
 */
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { freePort } from "../helpers/freePort.ts";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { newPgPassword, pgUrlFor, withInitdbAuth } from "../helpers/pgAuth.ts";
import {
  PG_BIN,
  isRoot,
  makeClusterDir,
  pgBinariesAvailable,
  pgServerOptions,
  runPg,
} from "../helpers/pgServer.ts";

declare module "vitest" {
  interface ProvidedContext {
    /** A superuser URL (with its password) of a PostgreSQL server for tests, or null when none is available. */
    pgUrl: string | null;
    /** Why pgUrl is null (shown in the names of skipped suites). */
    pgSkipReason: string | null;
  }
}

interface Cluster {
  url: string;
  stop(): Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env.GATEHOUSE_TEST_PG_URL?.trim();
  if (fromEnv) {
    await waitUntilReachable(fromEnv, 15_000);
    project.provide("pgUrl", fromEnv);
    project.provide("pgSkipReason", null);
    return async () => {};
  }

  if (pgBinariesAvailable()) {
    const cluster = await sharedCluster();
    project.provide("pgUrl", cluster.url);
    project.provide("pgSkipReason", null);
    return () => cluster.release();
  }

  const reason = `no PostgreSQL: set GATEHOUSE_TEST_PG_URL or install postgresql-15 (${PG_BIN} missing)`;
  if (process.env.CI === "true") throw new Error(`CI=true but ${reason}`);
  console.warn(`[test setup] PostgreSQL suites will be skipped: ${reason}`);
  project.provide("pgUrl", null);
  project.provide("pgSkipReason", reason);
  return async () => {};
}

/**
 * One cluster for every project of a run (vitest calls this setup once per project): the first caller
 * starts it, the last teardown stops it. Kept on globalThis in case each project loads this module anew.
 */
interface SharedCluster {
  cluster: Promise<Cluster>;
  users: number;
}
const SHARED = Symbol.for("gatehouse.test.pgCluster");

async function sharedCluster(): Promise<{ url: string; release(): Promise<void> }> {
  const holder = globalThis as { [SHARED]?: SharedCluster };
  const shared = (holder[SHARED] ??= { cluster: startCluster(), users: 0 });
  shared.users += 1;
  const cluster = await shared.cluster;
  return {
    url: cluster.url,
    async release() {
      shared.users -= 1;
      if (shared.users > 0) return;
      delete holder[SHARED];
      await cluster.stop();
    },
  };
}

async function startCluster(): Promise<Cluster> {
  const dir = await makeClusterDir("gatehouse-pg-");
  const data = join(dir, "data");
  let started = false;
  const stop = async (): Promise<void> => {
    process.off("exit", stopOnExit);
    if (started) {
      started = false;
      await runPg("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]).catch(() =>
        runPg("pg_ctl", ["-D", data, "-m", "immediate", "stop"]).catch(() => {}),
      );
    }
    await rm(dir, { recursive: true, force: true });
  };
  // If vitest dies without running teardown, do not leave a server behind.
  const stopOnExit = (): void => {
    if (!started) return;
    try {
      const path = join(PG_BIN, "pg_ctl");
      const args = ["-D", data, "-m", "immediate", "stop"];
      if (isRoot()) execFileSync("runuser", ["-u", "postgres", "--", path, ...args], { stdio: "ignore" });
      else execFileSync(path, args, { stdio: "ignore" });
    } catch {
      // best effort
    }
  };
  process.on("exit", stopOnExit);

  try {
    const password = newPgPassword();
    await withInitdbAuth(dir, password, (auth) =>
      runPg("initdb", ["-D", data, "-U", "postgres", ...auth, "-E", "UTF8", "--no-sync"]),
    );
    let lastError: unknown;
    // A free port can be taken between probing and binding; try a few.
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      const port = await freePort();
      const serverOptions = pgServerOptions(port, dir, { maxConnections: 300, sharedBuffers: "32MB" });
      try {
        await runPg("pg_ctl", [
          "-D",
          data,
          "-l",
          join(dir, "log"),
          "-w",
          "-t",
          "60",
          "-o",
          serverOptions,
          "start",
        ]);
        started = true;
        const url = pgUrlFor(port, password);
        await waitUntilReachable(url, 15_000);
        return { url, stop };
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilReachable(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query("select 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`PostgreSQL for tests is not reachable: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await client.end().catch(() => {});
    }
  }
}
