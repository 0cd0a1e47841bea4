/**
 * A dedicated throwaway PostgreSQL cluster for tests that stop and start the server under a running hub
 * (test/faults/postgres.test.ts): the shared one from test/setup/global.ts must stay up for everyone else.
 * Same recipe as the setup (initdb as the `postgres` user when root, a SCRAM password on 127.0.0.1, no
 * fsync), on a fixed port so that a restarted server is found at the same URL.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { freePort } from "./hubProcesses.ts";
import { newPgPassword, pgUrlFor, withInitdbAuth } from "./pgAuth.ts";
import { makeClusterDir, pgServerOptions, runPg } from "./pgServer.ts";

export { pgBinariesAvailable } from "./pgServer.ts";

export interface PgCluster {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are ended, the port closes. */
  stop(): Promise<void>;
  /** Stops the server for good and removes its directory. */
  destroy(): Promise<void>;
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = await makeClusterDir("gatehouse-pgfault-");
  const data = join(dir, "data");
  const port = await freePort();
  const password = newPgPassword();
  let running = false;
  const options = pgServerOptions(port, dir, { maxConnections: 100, sharedBuffers: "16MB" });
  const cluster: PgCluster = {
    url: pgUrlFor(port, password),
    async start() {
      await runPg("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-t", "60", "-o", options, "start"]);
      running = true;
    },
    async stop() {
      await runPg("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      running = false;
    },
    async destroy() {
      if (running) {
        await runPg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
        running = false;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await withInitdbAuth(dir, password, (auth) =>
      runPg("initdb", ["-D", data, "-U", "postgres", ...auth, "-E", "UTF8", "--no-sync"]),
    );
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
