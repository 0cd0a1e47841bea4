/**
 * Runs a suite on both databases: `forEachDatabase("tokens", (getStore, target) => { it(…) })` declares
 * the describe block twice, "tokens [sqlite]" on a fresh temp file and "tokens [postgres]" on a fresh
 * database (CREATE DATABASE gh_test_<random>, dropped after the suite) in the server from
 * test/setup/global.ts. Without a PostgreSQL server the postgres block is skipped and its name says why.
 *
 * Hooks: the store opens in a beforeAll registered before the body's hooks, and closes/drops in an
 * afterAll that runs after the body's (vitest runs after-hooks in reverse order).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { openDatabase, type Dialect, type Store } from "../../src/db/index.ts";

export interface TestDatabase {
  dialect: Dialect;
  /** GATEHOUSE_DATABASE_URL of this suite's database (valid once the suite's beforeAll ran). */
  readonly url: string;
  /** The suite's store (same as getStore()). */
  readonly store: Store;
  /** Another Store on the same database, like a second hub process would open; closed after the suite. */
  open(): Promise<Store>;
}

export type DatabaseSuite = (getStore: () => Store, target: TestDatabase) => void;

export function forEachDatabase(name: string, body: DatabaseSuite): void;
export function forEachDatabase(body: DatabaseSuite): void;
export function forEachDatabase(nameOrBody: string | DatabaseSuite, maybeBody?: DatabaseSuite): void {
  const name = typeof nameOrBody === "string" ? nameOrBody : "";
  const body = typeof nameOrBody === "function" ? nameOrBody : maybeBody!;
  const label = (dialect: Dialect): string => (name ? `${name} [${dialect}]` : `[${dialect}]`);

  describe(label("sqlite"), () => {
    declareSuite("sqlite", body, async () => {
      const dir = mkdtempSync(join(tmpdir(), "gatehouse-sqlite-"));
      return {
        url: `sqlite:${join(dir, "hub.db")}`,
        drop: () => rmSync(dir, { recursive: true, force: true }),
      };
    });
  });

  const pgUrl = inject("pgUrl");
  if (!pgUrl) {
    const reason = inject("pgSkipReason") ?? "no PostgreSQL server";
    describe.skip(`${label("postgres")} — skipped: ${reason}`, () => {
      body(notAvailable, unavailableTarget);
    });
    return;
  }
  describe(label("postgres"), () => {
    declareSuite("postgres", body, () => createPgDatabase(pgUrl));
  });
}

function notAvailable(): never {
  throw new Error("no database: this suite is skipped");
}

const unavailableTarget: TestDatabase = {
  dialect: "postgres",
  get url(): string {
    return notAvailable();
  },
  get store(): Store {
    return notAvailable();
  },
  open: () => Promise.reject(new Error("no database: this suite is skipped")),
};

interface Provisioned {
  url: string;
  drop(): void | Promise<void>;
}

function declareSuite(dialect: Dialect, body: DatabaseSuite, provision: () => Promise<Provisioned>): void {
  let provisioned: Provisioned | undefined;
  let store: Store | undefined;
  const extra: Store[] = [];

  beforeAll(async () => {
    provisioned = await provision();
    store = await openDatabase(provisioned.url);
  });

  afterAll(async () => {
    for (const s of [...extra, ...(store ? [store] : [])]) await s.close().catch(() => {});
    extra.length = 0;
    store = undefined;
    await provisioned?.drop();
  });

  const getStore = (): Store => {
    if (!store) throw new Error(`${dialect} store is not open yet: use it inside hooks and tests`);
    return store;
  };
  const target: TestDatabase = {
    dialect,
    get url(): string {
      if (!provisioned) throw new Error(`${dialect} database is not provisioned yet`);
      return provisioned.url;
    },
    get store(): Store {
      return getStore();
    },
    open: async () => {
      if (!provisioned) throw new Error(`${dialect} database is not provisioned yet`);
      const another = await openDatabase(provisioned.url);
      extra.push(another);
      return another;
    },
  };
  body(getStore, target);
}

/** A fresh, empty database on the test server; dropping it also ends connections left open. */
export async function createPgDatabase(serverUrl: string): Promise<Provisioned> {
  const name = `gh_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
