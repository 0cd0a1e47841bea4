/**
 * PostgreSQL for the bench: GATEHOUSE_TEST_PG_URL when set, else a throwaway cluster started exactly as the
 * test suite starts one (test/setup/global.ts, reused through its vitest globalSetup entry point with a
 * stand-in for vitest's `provide`), stopped again at the end.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import setup from "../../test/setup/global.ts";

export interface BenchPostgres {
  /** A superuser URL of the server. */
  serverUrl: string;
  /** "PostgreSQL 15.x" for the results' machine line. */
  version: string;
  /** A fresh empty database on the server (dropped by `stop`). */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const provided: Record<string, unknown> = {};
  const project = { provide: (key: string, value: unknown) => (provided[key] = value) };
  const teardown = await setup(project as unknown as TestProject);
  const serverUrl = provided.pgUrl as string | null;
  if (!serverUrl) {
    await teardown();
    throw new Error(`no PostgreSQL for the bench: ${String(provided.pgSkipReason)}`);
  }
  const databases: string[] = [];
  const version = (await query(serverUrl, "show server_version"))[0]?.server_version as string;
  return {
    serverUrl,
    version: `PostgreSQL ${version.split(" ")[0]}`,
    async createDatabase() {
      const name = `gh_bench_${randomBytes(5).toString("hex")}`;
      await query(serverUrl, `CREATE DATABASE ${name}`);
      databases.push(name);
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      for (const name of databases) {
        await query(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      }
      await teardown();
    },
  };
}

export async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
