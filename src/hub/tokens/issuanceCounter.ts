import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import type { AuditLog, CountedEvent } from "../identity/auditLog.ts";

const MINUTE_MS = 60_000;

interface Pending {
  minute: number;
  app: string;
  integration: string;
  userId: string;
  count: number;
}

export interface IssuanceCounterOptions {
  audit: AuditLog;
  /** Reads the users' emails once per flush, for the events' actor names. */
  db: Kysely<Database>;
  now: () => number;
  /** How often the buffer is written (default 1 s; at most once per interval). */
  flushIntervalMs?: number;
  log?: { warn(fields: object, message: string): void };
}

/**
 * Counts the tokens handed to app code, per minute, app, integration and user, for the audit trail
 * (`token.issued`). On the token path this is one map update in memory; the counts reach the database at
 * most once a second and at shutdown, as one upsert per (minute, app, integration, user) — never a write per
 * token. A failed write keeps its counts for the next one.
 */
export class IssuanceCounter {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private keyMinute = -1;
  private keyPrefix = "";

  constructor(private readonly options: IssuanceCounterOptions) {}

  /** One token issued to `app` for `integration` and `userId`. Synchronous and cheap. */
  count(app: string, integration: string, userId: string): void {
    const minute = Math.floor(this.options.now() / MINUTE_MS) * MINUTE_MS;
    // The minute's part of the key is made once a minute, not per token.
    if (minute !== this.keyMinute) {
      this.keyMinute = minute;
      this.keyPrefix = `${minute}\u0000`;
    }
    const key = `${this.keyPrefix}${app}\u0000${integration}\u0000${userId}`;
    const entry = this.pending.get(key);
    if (entry) entry.count += 1;
    else this.pending.set(key, { minute, app, integration, userId, count: 1 });
  }

  /** Writes what was counted (waits for a flush already running). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  /** Flushes every `flushIntervalMs` until `stop()`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(batch: Map<string, Pending>): Promise<void> {
    try {
      const ids = [...new Set([...batch.values()].map((entry) => entry.userId))];
      const users = await this.options.db
        .selectFrom("users")
        .select(["id", "email"])
        .where("id", "in", ids)
        .execute();
      const emails = new Map(users.map((user) => [user.id, user.email]));
      const events: CountedEvent[] = [...batch.values()].map((entry) => ({
        bucket: `token.issued:${entry.minute}:${entry.app}:${entry.integration}:${entry.userId}`,
        at: entry.minute,
        action: "token.issued",
        actor: { type: "user", id: entry.userId, name: emails.get(entry.userId) ?? null },
        target: { type: "integration", id: null, name: entry.integration },
        details: { app: entry.app },
        count: entry.count,
      }));
      await this.options.audit.addCounts(events);
    } catch (err) {
      // Keep the counts: they are added to the next write.
      for (const [key, entry] of batch) {
        const current = this.pending.get(key);
        if (current) current.count += entry.count;
        else this.pending.set(key, entry);
      }
      this.options.log?.warn({ err: (err as Error).message }, "token issuance counts not written yet");
    }
  }
}
