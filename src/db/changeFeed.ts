/**
 * STAND-IN for the change feed of issue 13 (branch `speed`, /work/briefs/changefeed-interface.md), with the
 * same two calls, so issue 12's write paths publish their changes where and how they must: in the
 * transaction of the change. This branch has no caches, so there is no one to tell: `publishChange`
 * checks the change and returns. When the two branches merge, the `speed` branch's src/db/changeFeed.ts
 * replaces this file as it is (pg_notify on PostgreSQL, the change_feed table on SQLite).
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.ts";

export type ChangeKind =
  | "pat_revoked"
  | "session_ended"
  | "user_changed"
  | "integration_changed"
  | "connection_changed"
  | "service_token_changed"
  | "flush";

export interface Change {
  kind: ChangeKind;
  key: string;
}

const KINDS = new Set<string>([
  "pat_revoked",
  "session_ended",
  "user_changed",
  "integration_changed",
  "connection_changed",
  "service_token_changed",
  "flush",
]);

/** Publishes `change` with the transaction of the change itself (see the interface document). */
export async function publishChange(
  _db: Kysely<Database>,
  change: Change | readonly Change[],
): Promise<void> {
  const changes: readonly Change[] = Array.isArray(change)
    ? (change as readonly Change[])
    : [change as Change];
  for (const one of changes) {
    if (!KINDS.has(one.kind)) throw new TypeError(`unknown change kind ${String(one.kind)}`);
    if (!one.key || one.key.length > 256) throw new TypeError("a change needs a key of 1 to 256 characters");
  }
}

/** `fn` in a transaction of `db`, or in `db` itself when it already is one. */
export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}
