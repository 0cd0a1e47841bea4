import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import type pg from "pg";
import { GatehouseError } from "../errors.ts";
import { migrationProvider } from "./migrations/index.ts";
import { importPackage } from "../packageImport.ts";
import type { Database } from "./schema.ts";

export type { Database } from "./schema.ts";
export type Dialect = "sqlite" | "postgres";

export interface Store {
  db: Kysely<Database>;
  /** Lets callers pick row locks (`SELECT … FOR UPDATE`, postgres) or leases (sqlite). */
  dialect: Dialect;
  /** Closes the connection(s); safe to call more than once. */
  close(): Promise<void>;
  /**
   * SQLite: the better-sqlite3 handle under `db`, for the change feed's per-read check, which must be
   * synchronous (microseconds) rather than queue behind Kysely's single connection.
   */
  sqlite?: SqliteDatabase.Database;
  /**
   * PostgreSQL: a new client outside the pool, with the pool's settings, for a session that must stay
   * open on its own (the change feed's LISTEN). The caller connects and ends it.
   */
  newPgClient?: (applicationName: string) => pg.Client;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size per process (default 10). */
  poolMax?: number;
  /** Run pending migrations (default true). */
  migrate?: boolean;
}

/** What a GATEHOUSE_DATABASE_URL names, once checked. */
export type DatabaseTarget =
  | { dialect: "sqlite"; path: string /* ":memory:" or an absolute path */ }
  | { dialect: "postgres"; connectionString: string };

const urlVariable = "GATEHOUSE_DATABASE_URL";

function invalidUrl(reason: string): GatehouseError {
  return new GatehouseError(
    "invalid_database_url",
    `${urlVariable} ${reason}; expected "sqlite:<path>", "sqlite::memory:" or "postgres://user:password@host:port/database"`,
    { variable: urlVariable },
  );
}

/** The scheme of a URL, for error messages: the rest may hold a password. */
function schemeOf(url: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return match?.[1] ?? "";
}

/** Checks a database URL without opening anything. Never echoes the URL (it may hold a password). */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed === "") throw invalidUrl("is empty");
  if (trimmed.startsWith("sqlite:")) {
    let path = trimmed.slice("sqlite:".length);
    if (path === ":memory:") return { dialect: "sqlite", path };
    // Tolerate the URL-ish spelling sqlite:///abs/path.db.
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "") throw invalidUrl("has no SQLite file path");
    if (path.includes("\0")) throw invalidUrl("has a NUL byte in the SQLite path");
    return { dialect: "sqlite", path: resolve(path) };
  }
  const scheme = schemeOf(trimmed).toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw invalidUrl("is not a valid postgres:// URL");
    }
    if (!parsed.hostname && !parsed.searchParams.get("host")) throw invalidUrl("has no PostgreSQL host");
    return { dialect: "postgres", connectionString: trimmed };
  }
  throw invalidUrl(scheme ? `has an unsupported scheme "${scheme}:"` : "is not a URL");
}

const INT8_OID = 20;

/**
 * pg returns BIGINT as a string (it may not fit a double). Our BIGINTs are epoch milliseconds and
 * counters, far below 2^53, so parse them to numbers; refuse the impossible rather than lose precision.
 */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError("BIGINT value outside the safe integer range");
  return n;
}

/** pg's type parsers with BIGINT read as a number. */
function pgTypes(driver: typeof pg) {
  return {
    getTypeParser: ((oid: number, format?: "text" | "binary") => {
      if (oid === INT8_OID && format !== "binary") return parseInt8;
      // pg types its parsers loosely (`any`); they turn the text of a column into its value.
      return (
        format === undefined ? driver.types.getTypeParser(oid) : driver.types.getTypeParser(oid, format)
      ) as (value: string) => unknown;
    }) as typeof pg.types.getTypeParser,
  };
}

/** close() may be called by several owners (a hub and its test); only the first call closes. */
function closeOnce(db: Kysely<Database>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= db.destroy());
}

interface Opened {
  store: Store;
  /** Runs pending migrations so that concurrent openers of the same database cannot collide. */
  migrate: () => Promise<void>;
}

/** The SQLite files that hold the hub's data: the database, its write-ahead log and its shared memory. */
const SQLITE_SUFFIXES = ["", "-wal", "-shm"] as const;

/**
 * Makes the database private to the hub's user from the first write: a directory it creates is 0700, and
 * the database file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * database's mode). Files left readable by an older version are narrowed to 0600.
 */
function preparePrivateSqliteFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  for (const suffix of SQLITE_SUFFIXES) {
    const file = path + suffix;
    try {
      if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
    } catch (error) {
      // Gone, or not ours to change (SQLite still opens it; the operator chose that ownership).
      if (!["ENOENT", "EPERM"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
    }
  }
}

// Each driver is loaded only for its own dialect: loading pg was a twentieth of a SQLite hub's start.
async function openSqlite(path: string): Promise<Opened> {
  const { default: Sqlite } = await importPackage<{ default: typeof SqliteDatabase }>("better-sqlite3");
  if (path !== ":memory:") preparePrivateSqliteFiles(path);
  const database = new Sqlite(path);
  try {
    // WAL lets readers run while a writer commits; busy_timeout makes a second writer wait instead of
    // failing at once; foreign keys are off by default in SQLite.
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("busy_timeout = 5000");
    database.pragma("foreign_keys = ON");
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    store: { db, dialect: "sqlite", close: closeOnce(db), sqlite: database },
    migrate: () => migrateSqliteExclusively(database, db),
  };
}

const SQLITE_MIGRATION_WAIT_MS = 30_000;

/**
 * Kysely takes no lock on SQLite and runs its DDL outside a transaction, so two hubs (or a hub and a CLI
 * command) opening one file together could both try to create the tables. Run the migrations inside a
 * `BEGIN IMMEDIATE` transaction instead: SQLite's write lock serializes openers across processes, and a
 * failed migration leaves nothing behind. The lock is polled asynchronously (busy_timeout 0 meanwhile),
 * because better-sqlite3 would otherwise wait synchronously and block another opener in this process.
 */
async function migrateSqliteExclusively(
  database: SqliteDatabase.Database,
  db: Kysely<Database>,
): Promise<void> {
  // Off while migrating (it cannot change inside a transaction), so a migration may rebuild a table the
  // way SQLite documents it (ALTER TABLE, "other kinds of table schema changes"); checked before COMMIT.
  database.pragma("foreign_keys = OFF");
  try {
    await beginImmediate(database);
    try {
      await migrateToLatest(db);
      const violations = database.pragma("foreign_key_check") as unknown[];
      if (violations.length > 0) {
        throw new GatehouseError(
          "migration_failed",
          `Database migration left ${violations.length} rows whose foreign keys point nowhere`,
        );
      }
      database.exec("COMMIT");
    } catch (error) {
      if (database.inTransaction) database.exec("ROLLBACK");
      throw error;
    }
  } finally {
    database.pragma("foreign_keys = ON");
  }
}

/** BEGIN IMMEDIATE, polling the write lock until SQLITE_MIGRATION_WAIT_MS has passed. */
async function beginImmediate(database: SqliteDatabase.Database): Promise<void> {
  const deadline = Date.now() + SQLITE_MIGRATION_WAIT_MS;
  database.pragma("busy_timeout = 0");
  try {
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      try {
        database.exec("BEGIN IMMEDIATE");
        return;
      } catch (error) {
        const code = (error as { code?: string }).code ?? "";
        if (!code.startsWith("SQLITE_BUSY") || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      }
    }
  } finally {
    database.pragma("busy_timeout = 5000");
  }
}

function hasParam(connectionString: string, name: string): boolean {
  try {
    return new URL(connectionString).searchParams.has(name);
  } catch {
    return false;
  }
}

async function openPostgres(connectionString: string, poolMax: number): Promise<Opened> {
  const { default: pg } = await import("pg");
  const types = pgTypes(pg);
  const ownName = hasParam(connectionString, "application_name");
  const pool = new pg.Pool({
    connectionString,
    max: poolMax,
    idleTimeoutMillis: 30_000,
    // Also bounds the wait for a free pooled connection under load (token storms), hence generous.
    connectionTimeoutMillis: 20_000,
    keepAlive: true,
    // Names hub sessions in pg_stat_activity; a URL's own application_name wins.
    ...(ownName ? {} : { application_name: "gatehouse" }),
    types,
  });
  const newPgClient = (applicationName: string) =>
    new pg.Client({
      connectionString,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      ...(ownName ? {} : { application_name: applicationName }),
      types,
    });
  // An idle client losing its server (restart, failover) emits here; without a listener the process
  // would crash. The pool drops that client and the next query opens a new one.
  pool.on("error", () => {});
  // A client checked out of the pool (a query or a refresh transaction under way) has no pool listener:
  // the server going away then emitted an unhandled 'error' and crashed the hub. Its queries still fail
  // (and the pool drops it on release); this listener only keeps the process alive.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    store: { db, dialect: "postgres", close: closeOnce(db), newPgClient },
    // Kysely's migrator holds a PostgreSQL advisory lock and runs each migration in a transaction.
    migrate: () => migrateToLatest(db),
  };
}

/** Runs pending migrations (openDatabase does this, with the locking each dialect needs). */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new GatehouseError(
      "migration_failed",
      `Database migration ${failed ? `"${failed}" ` : ""}failed: ${describeError(error)}`,
      failed ? { migration: failed } : undefined,
      { cause: error },
    );
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Opens the hub's database and brings its schema up to date.
 * `url`: "sqlite:/path/file.db" | "sqlite::memory:" | "postgres://…" (GATEHOUSE_DATABASE_URL).
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(url);
  const { store, migrate } =
    target.dialect === "sqlite"
      ? await openSqlite(target.path)
      : await openPostgres(target.connectionString, options.poolMax ?? 10);
  if (options.migrate === false) return store;
  try {
    await migrate();
  } catch (error) {
    await store.close().catch(() => {});
    if (error instanceof GatehouseError && isConnectionError(error.cause)) {
      throw new GatehouseError(
        "database_unavailable",
        `Cannot reach the database named by ${urlVariable}: ${describeError(error.cause)}`,
        { variable: urlVariable },
        { cause: error.cause },
      );
    }
    throw error;
  }
  return store;
}

/**
 * True for errors that mean "the database cannot be reached right now" rather than "this query is wrong":
 * refused or dropped connections, a server shutting down or starting up. The hub answers these with
 * 503 database_unavailable (a load balancer retries elsewhere) instead of 500.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    if (e.message === "fetch failed") return false; // an HTTP call (a provider), not the database
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"].includes(code))
        return true;
      // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now; class 08: connection exceptions.
      if (/^57P0[123]$/.test(code) || /^08/.test(code)) return true;
    }
    // node-postgres reports a connection lost mid-query by message only.
    if (
      /^Connection terminated|^Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
        e.message,
      )
    ) {
      return true;
    }
  }
  return false;
}

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === "string" &&
    (["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN"].includes(code) ||
      code === "28P01" || // invalid password
      code === "28000" || // invalid authorization
      code === "3D000") // database does not exist
  );
}
