import { sql, type Kysely } from "kysely";
import type { Store } from "./index.ts";
import type { Database } from "./schema.ts";
import {
  afterPublish,
  CHANGE_CHANNEL,
  checkChange,
  encodeChange,
  isPostgres,
  runInTransaction,
  type Change,
} from "./changeFeedWire.ts";
import { PostgresChangeFeed, type PostgresFeedOptions } from "./changeFeedPostgres.ts";
import { SqliteChangeFeed, type SqliteFeedOptions } from "./changeFeedSqlite.ts";

/**
 * The change feed: how every hub's in-process caches hear of a change another hub (or a CLI command)
 * committed. Write paths call `publishChange` inside the transaction of the change; caches `subscribe`.
 *
 * - PostgreSQL: `pg_notify('gatehouse_changes', '{"kind","key"}')`, delivered to every listening hub when
 *   the transaction commits (and never when it rolls back). Each hub holds one LISTEN connection.
 * - SQLite: a row in `change_feed` (migration 0003), committed with the change. Each hub checks
 *   `max(seq)` synchronously before it serves from a cache (a microsecond) and applies the rows after the
 *   last one it saw — its own process's writes and other processes' alike.
 *
 * The interface other modules rely on is written down in docs/architecture.md ("change feed").
 */

export { CHANGE_CHANNEL, CHANGE_KINDS, type Change, type ChangeKind } from "./changeFeedWire.ts";

/**
 * Records `change` (or several) in the transaction `db` so that every hub's caches drop what it names once
 * the transaction commits. Pass the transaction of the change itself: published on a plain handle it
 * commits at once, apart from the change. Inside `inTransaction` this hub's own caches hear it right after
 * the commit, before the write's answer goes out.
 */
export async function publishChange(db: Kysely<Database>, change: Change | readonly Change[]): Promise<void> {
  const changes = (Array.isArray(change) ? change : [change]).map(checkChange);
  if (changes.length === 0) return;
  if (isPostgres(db)) {
    for (const one of changes) {
      await sql`select pg_notify(${CHANGE_CHANNEL}, ${encodeChange(one)})`.execute(db);
    }
  } else {
    const at = Date.now();
    await db
      .insertInto("change_feed")
      .values(changes.map((one) => ({ kind: one.kind, key: one.key, created_at: at })))
      .execute();
  }
  afterPublish(db, changes);
}

/**
 * Runs `fn` in a transaction of `db` — or in `db` itself when it already is a transaction — so that a
 * change and its `publishChange` commit together. On PostgreSQL the changes published inside reach this
 * process's own feed right after the commit (read-your-writes on the hub that wrote).
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return runInTransaction(db, fn);
}

/** Why a feed told its listeners to drop everything. */
export type FlushReason =
  /** The LISTEN connection broke: changes may go unheard until it is back. */
  | "listener_lost"
  /** The LISTEN connection is back: what changed while it was away is unknown. */
  | "listener_restored"
  /** Rows were missed (pruned before this hub read them) or the table was reset. */
  | "gap"
  /** A notification or row this hub cannot read (a newer hub's kind, a hand-made NOTIFY). */
  | "unreadable"
  /** A published `flush` change. */
  | "flush_change";

export type FeedEvent = { type: "change"; change: Change } | { type: "flush"; reason: FlushReason };

export interface FeedStatus {
  /** live: every committed change is heard; down: the listener is away (caches read through). */
  state: "live" | "down";
  transport: "notify" | "table";
  /** Epoch ms of the last change of state. */
  since: number;
  /** Times the listener was lost since the feed opened. */
  losses: number;
}

export interface ChangeFeed {
  /** Adds a listener (called synchronously, in commit order); returns its removal. Listeners must not throw. */
  subscribe(listener: (event: FeedEvent) => void): () => void;
  /** True while every committed change is heard: a cache may serve and store entries only then. */
  readonly live: boolean;
  /**
   * Applies what was committed since the last call. SQLite: a synchronous read of `max(seq)` and, when it
   * moved, of the new rows. PostgreSQL: nothing (notifications arrive by themselves). Call it before serving
   * from a cache.
   */
  poll(): void;
  /** Resolves once every change committed before the call has reached the listeners (tests, bench). */
  caughtUp(timeoutMs?: number): Promise<void>;
  status(): FeedStatus;
  /** PostgreSQL: the LISTEN session's backend pid while live (tests end it with pg_terminate_backend). */
  readonly listenerPid: number | null;
  close(): Promise<void>;
}

export type ChangeFeedOptions = PostgresFeedOptions & SqliteFeedOptions;

/**
 * Opens the feed of `store`'s database. PostgreSQL: resolves once LISTEN is in place, or — when the
 * listener cannot connect — at once in state "down", retrying in the background.
 */
export async function openChangeFeed(
  store: Pick<Store, "db" | "dialect" | "sqlite" | "newPgClient">,
  options: ChangeFeedOptions = {},
): Promise<ChangeFeed> {
  if (store.dialect === "postgres") {
    if (!store.newPgClient)
      throw new TypeError("openChangeFeed: this PostgreSQL store cannot open a listener");
    const feed = new PostgresChangeFeed(store.db, store.newPgClient, options);
    await feed.start();
    return feed;
  }
  if (!store.sqlite) throw new TypeError("openChangeFeed: this SQLite store has no better-sqlite3 handle");
  return new SqliteChangeFeed(store.db, store.sqlite, options);
}
