import { PostgresAdapter, type Kysely } from "kysely";
import { z } from "zod";
import type { FeedEvent, FlushReason } from "./changeFeed.ts";
import type { Database } from "./schema.ts";

/**
 * What travels between hubs on the change feed, and the in-process shortcut for a hub's own changes. Shared
 * by the publishing side (changeFeed.ts) and both listening sides (changeFeedPostgres.ts, changeFeedSqlite.ts).
 */

/**
 * Every kind of change an in-process cache must hear, with what its `key` names:
 *   pat_revoked            personal_access_tokens.token_hash of a token deleted or revoked
 *   session_ended          sessions.id (the SHA-256 of the cookie) of a session ended (logout, expiry)
 *   user_changed           users.id of a user disabled, enabled, deleted, or whose role changed: every
 *                          session, token and connection of the user is dropped
 *   integration_changed    integrations.id of an integration updated or deleted (its connections and
 *                          service token are dropped with it)
 *   connection_changed     connections.id of a connection refreshed, reconnected, marked for reconnect or
 *                          deleted
 *   service_token_changed  integrations.id whose client-credentials token was obtained anew or deleted
 *   flush                  anything ("*" by convention): every cache drops everything
 */
export const CHANGE_KINDS = [
  "pat_revoked",
  "session_ended",
  "user_changed",
  "integration_changed",
  "connection_changed",
  "service_token_changed",
  "flush",
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  kind: ChangeKind;
  /** The id (or hash) of what changed; see CHANGE_KINDS. */
  key: string;
}

/** The PostgreSQL channel every hub LISTENs on (lower case: LISTEN folds unquoted names, pg_notify does not). */
export const CHANGE_CHANNEL = "gatehouse_changes";

/** Keys are ids and hashes; anything longer is a bug (NOTIFY payloads must stay under 8000 bytes). */
const MAX_KEY_LENGTH = 256;

export const changeSchema = z.strictObject({
  kind: z.enum(CHANGE_KINDS),
  key: z.string().min(1).max(MAX_KEY_LENGTH),
});

/** A notification payload: a change, or a barrier one hub sends itself to learn it has heard everything. */
const wireSchema = z.union([changeSchema, z.strictObject({ barrier: z.string().min(1).max(64) })]);

export type WireMessage = z.infer<typeof wireSchema>;

export function encodeChange(change: Change): string {
  return JSON.stringify({ kind: change.kind, key: change.key });
}

/** A notification's payload as data, or null when it is not one this hub understands. */
export function decodeWire(payload: string | undefined): WireMessage | null {
  if (payload === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  const result = wireSchema.safeParse(parsed);
  return result.success ? result.data : null;
}

/** Throws on a change no listener could apply: a programming error at the write path, not bad input. */
export function checkChange(change: Change): Change {
  const result = changeSchema.safeParse(change);
  if (!result.success) throw new TypeError(`not a change feed entry: ${JSON.stringify(change)}`);
  return result.data;
}

export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The listeners of a feed, called in order; shared by both dialects' feeds. */
export class FeedListeners {
  private readonly listeners = new Set<(event: FeedEvent) => void>();

  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  change(change: Change): void {
    this.emit(
      change.kind === "flush" ? { type: "flush", reason: "flush_change" } : { type: "change", change },
    );
  }

  flush(reason: FlushReason): void {
    this.emit({ type: "flush", reason });
  }

  private emit(event: FeedEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/*
 * A hub's own changes on PostgreSQL reach its own listener as NOTIFY too, but a moment after the commit;
 * the HTTP answer to the write could beat it. So a transaction run through `inTransaction` also hands its
 * changes to this process's listeners on the same database handle right after it commits: what a hub wrote
 * it never serves stale. "The same handle" is Kysely's adapter object, which a Kysely instance shares with
 * every transaction it opens (src/db/changeFeed.test.ts checks that); another Store on the same database —
 * a second hub in a test process — is another handle and hears the change by NOTIFY only, as another
 * process would.
 */
type LocalListener = (changes: readonly Change[]) => void;
const localListeners = new WeakMap<object, Set<LocalListener>>();
const pendingByTransaction = new WeakMap<Kysely<Database>, Change[]>();

function handleOf(db: Kysely<Database>): object {
  return db.getExecutor().adapter;
}

/** Hears the changes this process commits through `db` (PostgreSQL), right after each commit. */
export function onLocalChanges(db: Kysely<Database>, listener: LocalListener): () => void {
  const handle = handleOf(db);
  let set = localListeners.get(handle);
  if (!set) localListeners.set(handle, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

function deliverLocally(db: Kysely<Database>, changes: readonly Change[]): void {
  for (const listener of localListeners.get(handleOf(db)) ?? []) listener(changes);
}

/**
 * After a publish through `db`: delivered now when `db` is not a transaction (the statement committed by
 * itself), kept for the commit of a transaction `inTransaction` opened, else left to NOTIFY.
 */
export function afterPublish(db: Kysely<Database>, changes: readonly Change[]): void {
  if (!db.isTransaction) deliverLocally(db, changes);
  else pendingByTransaction.get(db)?.push(...changes);
}

/** Runs `fn` in a transaction (or in `db` when it already is one); see inTransaction in changeFeed.ts. */
export async function runInTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db);
  const pending: Change[] = [];
  const result = await db.transaction().execute((trx) => {
    pendingByTransaction.set(trx, pending);
    return fn(trx);
  });
  if (pending.length > 0 && isPostgres(db)) deliverLocally(db, pending);
  return result;
}
