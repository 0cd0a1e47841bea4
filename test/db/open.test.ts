import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Migrator, NO_MIGRATIONS, sql } from "kysely";
import { describe, expect, inject, it } from "vitest";
import { GatehouseError } from "../../src/errors.ts";
import { openDatabase, parseDatabaseUrl, type Store } from "../../src/db/index.ts";
import { migrationProvider, migrations } from "../../src/db/migrations/index.ts";
import { createPgDatabase } from "../helpers/databases.ts";
import { useTempDir } from "../helpers/tempDir.ts";
import { HANG_GUARD_MS } from "../helpers/waitUntil.ts";

/** Every migration, in the order they run: what a freshly opened database records. */
const MIGRATIONS = Object.keys(migrations).sort();

describe("database URLs", () => {
  it.each([
    ["", /empty/],
    ["mysql://root:hunter2@db/gatehouse", /unsupported scheme "mysql:"/],
    ["/var/lib/gatehouse/hub.db", /is not a URL/],
    ["sqlite:", /no SQLite file path/],
    ["postgres://", /not a valid postgres|no PostgreSQL host/],
  ])("rejects %j with invalid_database_url naming the variable", async (url, reason) => {
    const error = await openDatabase(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatehouseError);
    expect((error as GatehouseError).code).toBe("invalid_database_url");
    expect((error as GatehouseError).message).toContain("GATEHOUSE_DATABASE_URL");
    expect((error as GatehouseError).message).toMatch(reason);
    expect((error as GatehouseError).message).not.toContain("hunter2");
  });

  it("accepts the documented forms", () => {
    expect(parseDatabaseUrl("sqlite::memory:")).toEqual({ dialect: "sqlite", path: ":memory:" });
    expect(parseDatabaseUrl("sqlite:/data/hub.db")).toEqual({ dialect: "sqlite", path: "/data/hub.db" });
    expect(parseDatabaseUrl("sqlite:///data/hub.db")).toEqual({ dialect: "sqlite", path: "/data/hub.db" });
    expect(parseDatabaseUrl("postgres://u:p@db:5432/gh").dialect).toBe("postgres");
    expect(parseDatabaseUrl("postgresql://u@db/gh").dialect).toBe("postgres");
  });

  it("reports an unreachable PostgreSQL as database_unavailable without the password", async () => {
    const error = await openDatabase("postgres://gh:s3cret-pw@127.0.0.1:1/gh").catch((e: unknown) => e);
    expect((error as GatehouseError).code).toBe("database_unavailable");
    expect((error as GatehouseError).message).toContain("GATEHOUSE_DATABASE_URL");
    expect((error as GatehouseError).message).not.toContain("s3cret-pw");
  });
});

describe("SQLite files", () => {
  const dir = useTempDir("gatehouse-open-");

  it("creates the parent directory and opens in WAL mode with foreign keys and a busy timeout", async () => {
    const path = join(dir(), "nested", "deeper", "hub.db");
    const store = await openDatabase(`sqlite:${path}`);
    try {
      expect(statSync(path).isFile()).toBe(true);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(mode.rows[0]?.journal_mode).toBe("wal");
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
      expect(fk.rows[0]?.foreign_keys).toBe(1);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
      expect(busy.rows[0]?.timeout).toBe(5000);
    } finally {
      await store.close();
    }
  });

  it("creates its directory 0700 and the database, WAL and shared memory 0600 from the first write", async () => {
    const previous = process.umask(0o000);
    const path = join(dir(), "private", "hub.db");
    try {
      const store = await openDatabase(`sqlite:${path}`);
      try {
        await sql`create table t (x integer)`.execute(store.db);
        await sql`insert into t values (1)`.execute(store.db);
        expect(statSync(join(dir(), "private")).mode & 0o777).toBe(0o700);
        for (const file of [path, `${path}-wal`, `${path}-shm`])
          expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
      } finally {
        await store.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  it("narrows a database file an older version left readable to 0600", async () => {
    const path = join(dir(), "old.db");
    writeFileSync(path, "");
    chmodSync(path, 0o644);
    const store = await openDatabase(`sqlite:${path}`);
    await store.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("can be closed twice (a hub and its test may both close it)", async () => {
    const store = await openDatabase(`sqlite:${join(dir(), "twice.db")}`);
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });

  it("keeps data across reopening", async () => {
    const url = `sqlite:${join(dir(), "reopen.db")}`;
    const first = await openDatabase(url);
    await first.db
      .insertInto("users")
      .values({ id: "u1", email: "a@example.com", password_hash: "x", role: "admin", created_at: 1 })
      .execute();
    await first.close();
    const second = await openDatabase(url);
    try {
      expect(await second.db.selectFrom("users").select("email").execute()).toEqual([
        { email: "a@example.com" },
      ]);
    } finally {
      await second.close();
    }
  });

  it("several openers of one new file at once migrate it exactly once", async () => {
    const url = `sqlite:${join(dir(), "together.db")}`;
    const opened = await Promise.allSettled(Array.from({ length: 4 }, () => openDatabase(url)));
    const stores = opened.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    try {
      expect(opened.filter((r) => r.status === "rejected")).toEqual([]);
      const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(stores[0]!.db);
      expect(rows.rows.map((r) => r.name)).toEqual(MIGRATIONS);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(stores[3]!.db);
      expect(busy.rows[0]?.timeout).toBe(5000);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("an in-memory database is private to its store", async () => {
    const a = await openDatabase("sqlite::memory:");
    const b = await openDatabase("sqlite::memory:");
    try {
      await a.db
        .insertInto("users")
        .values({ id: "u1", email: "a@example.com", password_hash: "x", role: "admin", created_at: 1 })
        .execute();
      expect(await b.db.selectFrom("users").select("id").execute()).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

async function migrateAllTheWay(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider });
  // Every table the migrations made, to compare with what going up again makes.
  const latest = (await store.db.introspection.getTables()).map((t) => t.name).sort();
  expect(latest).toContain("audit_events");
  const down = await migrator.migrateTo(NO_MIGRATIONS);
  expect(down.error).toBeUndefined();
  expect((await store.db.introspection.getTables()).map((t) => t.name)).toEqual([]);
  const up = await migrator.migrateToLatest();
  expect(up.error).toBeUndefined();
  expect((await store.db.introspection.getTables()).map((t) => t.name).sort()).toEqual(latest);
}

describe("migrations down and up again", () => {
  it("on SQLite", async () => {
    const store = await openDatabase("sqlite::memory:");
    try {
      await migrateAllTheWay(store);
    } finally {
      await store.close();
    }
  });

  const pgUrl = inject("pgUrl");
  it.skipIf(!pgUrl)(`on PostgreSQL${pgUrl ? "" : ` (skipped: ${inject("pgSkipReason")})`}`, async () => {
    const database = await createPgDatabase(pgUrl!);
    const store = await openDatabase(database.url);
    try {
      await migrateAllTheWay(store);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

/** One child of openInProcesses: resolves to what it printed after `ready`, rejects if it fails. */
function openerProcess(url: string): { ready: Promise<void>; go(): void; output: Promise<string> } {
  const child = spawn(process.execPath, ["bin/run-ts.mjs", "test/helpers/openDatabaseProcess.ts", url], {
    stdio: ["pipe", "pipe", "pipe"],
    timeout: HANG_GUARD_MS, // killed if hung, so a stuck child never outlives the test
  });
  let stdout = "";
  let stderr = "";
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith("ready\n")) markReady();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const output = new Promise<string>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout.replace(/^ready\n/, "")) : reject(new Error(`exit ${code}: ${stderr}`)),
    );
  });
  // A child that dies before it is ready must not leave the others waiting for it.
  void output.catch(markReady);
  return { ready, go: () => child.stdin.end("go\n"), output };
}

/** Starts `count` processes and, once all have loaded, lets them open `url` at once; what each printed. */
async function openInProcesses(url: string, count: number): Promise<string[]> {
  const children = Array.from({ length: count }, () => openerProcess(url));
  await Promise.all(children.map((c) => c.ready));
  for (const child of children) child.go();
  return Promise.all(children.map((c) => c.output));
}

describe("hub processes starting together", () => {
  const pgUrl = inject("pgUrl");
  it.skipIf(!pgUrl)("three processes on one fresh PostgreSQL database", async () => {
    const database = await createPgDatabase(pgUrl!);
    try {
      const outputs = await openInProcesses(database.url, 3);
      expect(outputs).toEqual(Array(3).fill(JSON.stringify(MIGRATIONS)));
    } finally {
      await database.drop();
    }
  });

  it("three processes on one new SQLite file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-procs-"));
    try {
      const outputs = await openInProcesses(`sqlite:${join(dir, "hub.db")}`, 3);
      expect(outputs).toEqual(Array(3).fill(JSON.stringify(MIGRATIONS)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hub pools starting together on one PostgreSQL", () => {
  const pgUrl = inject("pgUrl");
  it.skipIf(!pgUrl)("all open the same fresh database and migrate it exactly once", async () => {
    const database = await createPgDatabase(pgUrl!);
    const stores: Store[] = [];
    try {
      // Eight pools at once, like eight hubs started by one deploy: the migrator's advisory lock must
      // serialize them, and only the first may run the migration.
      const opened = await Promise.allSettled(Array.from({ length: 8 }, () => openDatabase(database.url)));
      for (const result of opened) if (result.status === "fulfilled") stores.push(result.value);
      expect(opened.filter((r) => r.status === "rejected")).toEqual([]);
      const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(stores[0]!.db);
      expect(rows.rows.map((r) => r.name)).toEqual(MIGRATIONS);
      for (const store of stores) {
        expect(await store.db.selectFrom("users").select("id").execute()).toEqual([]);
      }
      await stores[0]!.close();
      await expect(stores[0]!.close()).resolves.toBeUndefined();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await database.drop();
    }
  });
});
