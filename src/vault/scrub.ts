import { sql } from "kysely";
import type { Store } from "../db/index.ts";

/**
 * After a key rotation, values sealed under the old key may still sit in the database's files: SQLite keeps
 * the old page versions in its WAL until a checkpoint, and freed pages in the main file until a VACUUM.
 * `scrubOldValues` removes them where the hub can, and says plainly where it cannot, so "the old key may
 * be dropped" is true of the files too, not only of the rows.
 */
export type ScrubResult =
  /** SQLite: WAL checkpointed (TRUNCATE), file vacuumed, WAL truncated again. */
  | { dialect: "sqlite"; scrubbed: true }
  /** SQLite: another connection held the database; `reason` says what could not be done. */
  | { dialect: "sqlite"; scrubbed: false; reason: string }
  /** PostgreSQL: not the hub's to do (WAL, dead rows and backups follow the server's own settings). */
  | { dialect: "postgres"; scrubbed: false; reason: string };

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

/** `PRAGMA wal_checkpoint(TRUNCATE)`; true when every frame was copied back and the WAL emptied. */
async function checkpointTruncate(store: Store): Promise<boolean> {
  const { rows } = await sql<CheckpointRow>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
  const row = rows[0];
  // busy=1: a reader or writer in another connection kept the checkpoint from finishing.
  return row !== undefined && row.busy === 0 && (row.log <= 0 || row.log === row.checkpointed);
}

const SCRUB_BUSY_TIMEOUT_MS = 1000;

const SQLITE_BUSY_REASON =
  "another process (a running hub?) held the database, so old values may remain in its WAL or free pages";

export async function scrubOldValues(store: Store): Promise<ScrubResult> {
  if (store.dialect === "postgres") {
    return {
      dialect: "postgres",
      scrubbed: false,
      reason:
        "on PostgreSQL the old ciphertexts may remain in WAL, dead rows and backups until the server's own VACUUM and WAL/backup retention remove them",
    };
  }
  // A hub's reads and writes last milliseconds: a second is long enough to wait for them, and a held-up
  // scrub is reported (and finished by `gatehouse keys scrub`) rather than waited on for long.
  const { rows } = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(store.db);
  await sql`PRAGMA busy_timeout = ${sql.raw(String(SCRUB_BUSY_TIMEOUT_MS))}`.execute(store.db);
  try {
    // Checkpoint first (so VACUUM starts from the current rows), VACUUM to rebuild the file without free
    // pages, then checkpoint again: in WAL mode VACUUM itself writes through the WAL.
    if (!(await checkpointTruncate(store)))
      return { dialect: "sqlite", scrubbed: false, reason: SQLITE_BUSY_REASON };
    await sql`VACUUM`.execute(store.db);
    if (!(await checkpointTruncate(store)))
      return { dialect: "sqlite", scrubbed: false, reason: SQLITE_BUSY_REASON };
  } catch (err) {
    if (
      (err as { code?: string }).code?.startsWith("SQLITE_BUSY") ||
      (err as { code?: string }).code === "SQLITE_LOCKED"
    ) {
      return { dialect: "sqlite", scrubbed: false, reason: SQLITE_BUSY_REASON };
    }
    throw err;
  } finally {
    await sql`PRAGMA busy_timeout = ${sql.raw(String(rows[0]?.timeout ?? 5000))}`.execute(store.db);
  }
  return { dialect: "sqlite", scrubbed: true };
}
