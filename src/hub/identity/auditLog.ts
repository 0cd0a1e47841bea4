import { sql, type Kysely, type Selectable } from "kysely";
import type { AuditEventsTable, Database } from "../../db/schema.ts";
import type { AuditEventView } from "../../api/identity.ts";
import type { AuditAction, AuditActor, AuditEntry, AuditTarget } from "./auditActions.ts";

/** One event as the API and the export show it, its time in epoch ms (the start of a counted event's minute). */
export type AuditEvent = Omit<AuditEventView, "at"> & { at: number };

export interface AuditFilter {
  /** An action ("user.disabled"), or a family of them ("user"). */
  action?: string;
  /** A user id, or an actor's name (an email, compared without case). */
  actor?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  before?: number;
  /** Events older than this one (the `next` of the previous page). */
  cursor?: string;
  limit?: number;
}

/** A counted event's bucket: what it is about, and how many to add. */
export type CountedEvent = Omit<AuditEvent, "id"> & { bucket: string };

export const AUDIT_PAGE_MAX = 500;
const AUDIT_PAGE_DEFAULT = 100;

type Row = Selectable<AuditEventsTable>;

function toEvent(row: Row): AuditEvent {
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.details);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      details = parsed as Record<string, unknown>;
  } catch {
    // A row written by hand; shown without details.
  }
  return {
    id: String(row.id),
    at: Number(row.at),
    action: row.action as AuditAction,
    actor: { type: row.actor_type as AuditActor["type"], id: row.actor_id, name: row.actor_name },
    target: row.target_type
      ? { type: row.target_type as AuditTarget["type"], id: row.target_id, name: row.target_name }
      : null,
    details,
    count: Number(row.count),
  };
}

function columns(entry: Omit<AuditEntry, "action"> & { action: string }, at: number) {
  return {
    at,
    action: entry.action,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    actor_name: entry.actor.name,
    target_type: entry.target?.type ?? null,
    target_id: entry.target?.id ?? null,
    target_name: entry.target?.name ?? null,
    details: JSON.stringify(entry.details ?? {}),
  };
}

/**
 * The audit trail in `audit_events`: appended to by every write path that must be accountable (in the
 * same transaction as the change where there is one: pass it as `db`), read by the admin API and the CLI's
 * export, and pruned only by retention. Nothing here updates or deletes a recorded event, except a counted
 * event's `count`, which grows within its bucket.
 */
export class AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one event, in `db` (the change's transaction) when given. */
  async record(entry: AuditEntry, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto("audit_events").values(columns(entry, this.now())).execute();
  }

  /** Adds counted events: one row per bucket, its count added to when the bucket exists (an upsert). */
  async addCounts(events: readonly CountedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto("audit_events")
      .values(
        events.map((event) => ({ ...columns(event, event.at), bucket: event.bucket, count: event.count })),
      )
      .onConflict((oc) =>
        oc.column("bucket").doUpdateSet({ count: sql<number>`audit_events.count + excluded.count` }),
      )
      .execute();
  }

  /** Newest first; `next` is the cursor of the page after this one, or null when this is the last. */
  async list(filter: AuditFilter = {}): Promise<{ events: AuditEvent[]; next: string | null }> {
    const limit = Math.min(Math.max(filter.limit ?? AUDIT_PAGE_DEFAULT, 1), AUDIT_PAGE_MAX);
    let query = this.db.selectFrom("audit_events").selectAll();
    if (filter.action) {
      query = filter.action.includes(".")
        ? query.where("action", "=", filter.action)
        : query.where("action", "like", `${filter.action}.%`);
    }
    if (filter.actor) {
      const actor = filter.actor;
      query = query.where((eb) =>
        eb.or([eb("actor_id", "=", actor), eb(eb.fn("lower", ["actor_name"]), "=", actor.toLowerCase())]),
      );
    }
    if (filter.since !== undefined) query = query.where("at", ">=", filter.since);
    if (filter.before !== undefined) query = query.where("at", "<", filter.before);
    if (filter.cursor !== undefined) query = query.where("id", "<", Number(filter.cursor));
    const rows = await query
      .orderBy("id", "desc")
      .limit(limit + 1)
      .execute();
    const events = rows.slice(0, limit).map(toEvent);
    return { events, next: rows.length > limit ? events[events.length - 1]!.id : null };
  }

  /** Oldest first from `since`, in pages: what `gatehouse audit export` writes. */
  async *exportSince(since: number, until?: number, batch = 500): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      let query = this.db
        .selectFrom("audit_events")
        .selectAll()
        .where("at", ">=", since)
        .where("id", ">", after);
      if (until !== undefined) query = query.where("at", "<", until);
      const rows = await query.orderBy("id").limit(batch).execute();
      for (const row of rows) yield toEvent(row);
      if (rows.length < batch) return;
      after = Number(rows[rows.length - 1]!.id);
    }
  }

  /** Removes events, and tombstones of revoked tokens, older than `retentionMs`. Returns the events removed. */
  async prune(retentionMs: number): Promise<number> {
    const cutoff = this.now() - retentionMs;
    const removed = await this.db.deleteFrom("audit_events").where("at", "<", cutoff).executeTakeFirst();
    await this.db.deleteFrom("revoked_tokens").where("revoked_at", "<", cutoff).execute();
    return Number(removed.numDeletedRows);
  }
}
