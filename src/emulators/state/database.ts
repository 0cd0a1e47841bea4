/**
 * The embedded database behind the emulated authorization servers: oidc-provider's models (grants,
 * sessions, codes, refresh tokens, consent), the deny list of revoked JWT access tokens, and each server's
 * signing and cookie keys. One SQLite file in the data directory (`emulators.sqlite`, 0600), or an
 * in-memory database when there is no data directory, so both run the same code.
 */
import SqliteDatabase from "better-sqlite3";
import { join } from "node:path";
import { EmulatorStateError, makePrivate, preparePrivateDir, touchPrivate } from "./privateFiles.ts";

export const STATE_FILE = "emulators.sqlite";

/** Bumped when the tables change; a file from a newer Gatehouse is refused rather than misread. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS oidc_models (
  server     TEXT    NOT NULL,
  model      TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  payload    TEXT    NOT NULL,
  grant_id   TEXT,
  uid        TEXT,
  user_code  TEXT,
  expires_at INTEGER,
  PRIMARY KEY (server, model, id)
);
CREATE INDEX IF NOT EXISTS oidc_models_grant ON oidc_models (server, grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_models_uid ON oidc_models (server, model, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_models_user_code ON oidc_models (server, model, user_code)
  WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS oidc_models_expiry ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS revoked_access_tokens (
  server     TEXT    NOT NULL,
  jti        TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (server, jti)
);
CREATE TABLE IF NOT EXISTS server_keys (
  server      TEXT    PRIMARY KEY,
  signing_jwk TEXT    NOT NULL,
  cookie_keys TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);
`;

/** Epoch milliseconds; injected so tests can move time without waiting for it. */
export type Clock = () => number;

export interface StateDatabase {
  readonly sqlite: SqliteDatabase.Database;
  /** The data directory, or null for an in-memory database. */
  readonly dataDir: string | null;
  /** The database file (for messages), or "the in-memory state". */
  readonly where: string;
  readonly now: Clock;
  /** Deletes every row whose expiry has passed; returns how many went. */
  prune(): { models: number; revokedTokens: number };
  /** Counts a write and prunes every `PRUNE_EVERY_WRITES` writes, so a long run stays small. */
  noteWrite(): void;
  close(): void;
}

const PRUNE_EVERY_WRITES = 500;

function openSqlite(dataDir: string | null): SqliteDatabase.Database {
  if (dataDir === null) return new SqliteDatabase(":memory:");
  preparePrivateDir(dataDir);
  const file = join(dataDir, STATE_FILE);
  touchPrivate(file);
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
  } catch (error) {
    throw new EmulatorStateError(`cannot open ${file}: ${(error as Error).message}`, { cause: error });
  }
  // SQLite gives the -wal and -shm files the database's mode; be explicit anyway.
  for (const suffix of ["-wal", "-shm"]) makePrivate(`${file}${suffix}`);
  return sqlite;
}

function migrate(sqlite: SqliteDatabase.Database, where: string): void {
  const version = sqlite.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new EmulatorStateError(
      `${where} was written by a newer Gatehouse (state version ${version}, this one knows ${SCHEMA_VERSION}); use that version or another data directory`,
    );
  }
  sqlite.exec(SCHEMA);
  sqlite.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** Opens (creating when missing) the state database in `dataDir`, or in memory when `dataDir` is null. */
export function openStateDatabase(dataDir: string | null, now: Clock = Date.now): StateDatabase {
  const sqlite = openSqlite(dataDir);
  const where = dataDir === null ? "the in-memory state" : join(dataDir, STATE_FILE);
  try {
    migrate(sqlite, where);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const pruneModels = sqlite.prepare(
    "DELETE FROM oidc_models WHERE expires_at IS NOT NULL AND expires_at <= ?",
  );
  const pruneRevoked = sqlite.prepare("DELETE FROM revoked_access_tokens WHERE expires_at <= ?");
  let writes = 0;
  const prune = () => {
    const at = now();
    return {
      models: pruneModels.run(at).changes,
      revokedTokens: pruneRevoked.run(at).changes,
    };
  };
  prune();
  return {
    sqlite,
    dataDir,
    where,
    now,
    prune,
    noteWrite() {
      writes += 1;
      if (writes % PRUNE_EVERY_WRITES === 0) prune();
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
