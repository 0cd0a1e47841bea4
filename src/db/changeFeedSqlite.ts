import type SqliteDatabase from "better-sqlite3";
import type { Kysely } from "kysely";
import type { ChangeFeed, FeedEvent, FeedStatus } from "./changeFeed.ts";
import { changeSchema, FeedListeners } from "./changeFeedWire.ts";
import type { Database } from "./schema.ts";

export interface SqliteFeedOptions {
  /** Rows older than this are pruned (default 1 h); a hub idle for longer flushes once it wakes. */
  keepMs?: number;
  /** How often this hub prunes (default 5 min; 0: never, e.g. a CLI command). */
  pruneEveryMs?: number;
  now?: () => number;
}

/** At most this many rows are applied one by one; a longer backlog is a flush (cheaper, and as correct). */
const MAX_ROWS_PER_POLL = 1_000;

interface FeedRow {
  seq: number;
  kind: string;
  key: string;
}

/**
 * The SQLite side: `change_feed` rows, read on the hub's own better-sqlite3 connection. `poll()` runs before
 * every cache read: one prepared `select max(seq)` (about a microsecond), and only when it moved, the rows
 * after the last one applied. It skips while that connection is inside a transaction, which could show rows
 * that are not committed (and whose numbers a rollback would hand out again).
 */
export class SqliteChangeFeed implements ChangeFeed {
  private readonly listeners = new FeedListeners();
  private readonly maxSeq: SqliteDatabase.Statement<[], number | null>;
  private readonly rowsBetween: SqliteDatabase.Statement<[number, number], FeedRow>;
  private readonly now: () => number;
  private last: number;
  private healthy = true;
  private since: number;
  private losses = 0;
  private readonly pruneTimer: NodeJS.Timeout | null;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlite: SqliteDatabase.Database,
    private readonly options: SqliteFeedOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.since = this.now();
    this.maxSeq = sqlite.prepare<[], number | null>("select max(seq) from change_feed").pluck();
    this.rowsBetween = sqlite.prepare<[number, number], FeedRow>(
      "select seq, kind, key from change_feed where seq > ? and seq <= ? order by seq",
    );
    // Changes before this hub started concern nothing it holds.
    this.last = this.maxSeq.get() ?? 0;
    const every = options.pruneEveryMs ?? 300_000;
    this.pruneTimer = every > 0 ? setInterval(() => void this.prune().catch(() => {}), every) : null;
    this.pruneTimer?.unref();
  }

  get live(): boolean {
    return this.healthy && !this.closed;
  }

  readonly listenerPid = null;

  subscribe(listener: (event: FeedEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  poll(): void {
    if (this.closed || this.sqlite.inTransaction) return;
    let max: number;
    try {
      max = this.maxSeq.get() ?? 0;
      if (max !== this.last) this.apply(max);
      this.setHealthy(true);
    } catch {
      // The file went away or is locked for a checkpoint: read through until a poll succeeds again.
      this.setHealthy(false);
    }
  }

  caughtUp(): Promise<void> {
    this.poll();
    return Promise.resolve();
  }

  status(): FeedStatus {
    return { state: this.live ? "live" : "down", transport: "table", since: this.since, losses: this.losses };
  }

  /** Deletes rows older than `keepMs`. */
  async prune(): Promise<void> {
    const before = this.now() - (this.options.keepMs ?? 3_600_000);
    await this.db.deleteFrom("change_feed").where("created_at", "<", before).execute();
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    return Promise.resolve();
  }

  private apply(max: number): void {
    const from = this.last;
    this.last = max;
    if (max < from || max - from > MAX_ROWS_PER_POLL) return this.listeners.flush("gap");
    const rows = this.rowsBetween.all(from, max);
    // Numbers missing: rows were pruned before this hub read them.
    if (rows.length !== max - from) return this.listeners.flush("gap");
    for (const row of rows) {
      const change = changeSchema.safeParse({ kind: row.kind, key: row.key });
      if (change.success) this.listeners.change(change.data);
      else this.listeners.flush("unreadable");
    }
  }

  private setHealthy(healthy: boolean): void {
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    this.since = this.now();
    if (!healthy) {
      this.losses += 1;
      this.listeners.flush("listener_lost");
    } else {
      this.listeners.flush("listener_restored");
    }
  }
}
