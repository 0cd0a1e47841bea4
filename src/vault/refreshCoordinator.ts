import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { inTransaction } from "../db/changeFeed.ts";
import type { Database } from "../db/schema.ts";
import type { ConnectionRow } from "./connectionStore.ts";
import { refreshBusy } from "./errors.ts";
import { sleep } from "./retry.ts";
import type { ServiceTokenRow } from "./serviceTokenStore.ts";
import type { VaultStore } from "./storage.ts";

/**
 * Called with the row as it is once this caller may refresh it (or once someone else has changed it), and
 * the database handle to write through. The contract that makes this safe: `work` writes only when the
 * row's `version` still equals the version the caller saw before asking, and it writes with
 * `WHERE version = <row.version>` so a write after a lost lease changes nothing.
 */
export type LockedWork<Row, T> = (row: Row | undefined, db: Kysely<Database>) => Promise<T>;

export interface RefreshCoordinatorOptions {
  /**
   * How long a SQLite lease (and a PostgreSQL lock wait) may last. Must exceed the longest refresh
   * (retries included): a lease that expires mid-refresh lets a second refresher in.
   */
  leaseMs?: number;
  /** Polling of SQLite waiters: first delay, doubled up to the max, with jitter. */
  pollMinMs?: number;
  pollMaxMs?: number;
  now?: () => number;
}

/** The row-level operations the lock needs, per table. */
interface LockTable<Row extends { version: number }> {
  read(db: Kysely<Database>): Promise<Row | undefined>;
  readForUpdate(db: Kysely<Database>): Promise<Row | undefined>;
  tryLease(db: Kysely<Database>, owner: string, now: number, until: number): Promise<boolean>;
  releaseLease(db: Kysely<Database>, owner: string): Promise<void>;
}

/** In-process coalescing: callers asking for the same key while one run is under way share its result. */
export class SingleFlight {
  private readonly running = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing as Promise<T>;
    const started = (async () => {
      try {
        return await fn();
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, started);
    return started;
  }

  get size(): number {
    return this.running.size;
  }
}

/**
 * One refresh per token row at a time, across every hub process sharing the database.
 *
 * In process, callers are coalesced by key (a Map of promises) — that only saves work; correctness comes
 * from the database: on PostgreSQL a `SELECT … FOR UPDATE` of the row in a transaction held across the
 * provider call; on SQLite (better-sqlite3 cannot hold a transaction open across an await without blocking
 * the whole process) a lease taken by compare-and-set on `refresh_lease_owner/until`, while the others
 * re-read with a small backoff until the version changes or the lease expires.
 */
export class RefreshCoordinator {
  private readonly flights = new SingleFlight();
  private readonly leaseMs: number;
  private readonly pollMinMs: number;
  private readonly pollMaxMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: VaultStore,
    options: RefreshCoordinatorOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMinMs = options.pollMinMs ?? 10;
    this.pollMaxMs = options.pollMaxMs ?? 200;
    this.now = options.now ?? Date.now;
  }

  /** Runs `work` on connection `id` under the refresh lock; `seenVersion` is the version the caller read. */
  withConnection<T>(id: string, seenVersion: number, work: LockedWork<ConnectionRow, T>): Promise<T> {
    return this.flights.run(`connection:${id}`, () => this.locked(connectionTable(id), seenVersion, work));
  }

  /** Runs `work` on the service token of integration `integrationId` (the row must exist) under the lock. */
  withServiceToken<T>(
    integrationId: string,
    seenVersion: number,
    work: LockedWork<ServiceTokenRow, T>,
  ): Promise<T> {
    return this.flights.run(`service:${integrationId}`, () =>
      this.locked(serviceTokenTable(integrationId), seenVersion, work),
    );
  }

  /** Refreshes under way in this process (for tests and metrics). */
  get inFlight(): number {
    return this.flights.size;
  }

  private locked<Row extends { version: number }, T>(
    table: LockTable<Row>,
    seenVersion: number,
    work: LockedWork<Row, T>,
  ): Promise<T> {
    return this.store.dialect === "postgres"
      ? this.underRowLock(table, work)
      : this.underLease(table, seenVersion, work);
  }

  private async underRowLock<Row extends { version: number }, T>(
    table: LockTable<Row>,
    work: LockedWork<Row, T>,
  ): Promise<T> {
    try {
      // inTransaction: the refresh's published change reaches this hub's caches as it commits.
      return await inTransaction(this.store.db, async (trx) => {
        // Bound the wait for another process's refresh; a stuck holder must not hang every request.
        await sql`SET LOCAL lock_timeout = ${sql.raw(String(Math.ceil(this.leaseMs)))}`.execute(trx);
        const row = await table.readForUpdate(trx);
        return work(row, trx);
      });
    } catch (err) {
      // 55P03 lock_not_available: the lock_timeout above ran out.
      if ((err as { code?: unknown }).code === "55P03") throw refreshBusy(err);
      throw err;
    }
  }

  private async underLease<Row extends { version: number }, T>(
    table: LockTable<Row>,
    seenVersion: number,
    work: LockedWork<Row, T>,
  ): Promise<T> {
    const db = this.store.db;
    const owner = randomUUID();
    let delay = this.pollMinMs;
    for (;;) {
      const now = this.now();
      if (await table.tryLease(db, owner, now, now + this.leaseMs)) {
        try {
          return await work(await table.read(db), db);
        } finally {
          // The token write normally clears the lease itself; this covers skips and failures.
          await table.releaseLease(db, owner);
        }
      }
      const row = await table.read(db);
      // Someone else finished (or the row went away): `work` sees the new row and, by contract, skips.
      if (!row || row.version !== seenVersion) return work(row, db);
      await sleep(delay / 2 + Math.random() * (delay / 2));
      delay = Math.min(this.pollMaxMs, delay * 2);
    }
  }
}

/** The columns the lock reads and writes; the same in every table it locks. */
interface LeaseColumns {
  version: number;
  refresh_lease_owner: string | null;
  refresh_lease_until: number | null;
}

/** A table the lock serves, seen as rows of lease columns keyed by one column of its own. */
type LeaseDatabase = Record<string, Record<string, unknown> & LeaseColumns>;

/** Each table the lock serves, with the column that names one of its rows. */
type LeasedTable =
  { table: "connections"; column: "id" } | { table: "service_tokens"; column: "integration_id" };

const connectionTable = (id: string) => leaseTable<ConnectionRow>({ table: "connections", column: "id" }, id);
const serviceTokenTable = (integrationId: string) =>
  leaseTable<ServiceTokenRow>({ table: "service_tokens", column: "integration_id" }, integrationId);

/** The lock's row operations on the row of `table` whose `column` is `key`. */
function leaseTable<Row extends { version: number }>(
  { table, column }: LeasedTable,
  key: string,
): LockTable<Row> {
  // Both tables carry the same lease columns; one query shape serves them, read back as the table's own row.
  const leased = (db: Kysely<Database>) => db as unknown as Kysely<LeaseDatabase>;
  const select = (db: Kysely<Database>) => leased(db).selectFrom(table).selectAll().where(column, "=", key);
  return {
    read: async (db) => (await select(db).executeTakeFirst()) as Row | undefined,
    readForUpdate: async (db) => (await select(db).forUpdate().executeTakeFirst()) as Row | undefined,
    async tryLease(db, owner, now, until) {
      const result = await leased(db)
        .updateTable(table)
        .set({ refresh_lease_owner: owner, refresh_lease_until: until })
        .where(column, "=", key)
        .where((eb) => eb.or([eb("refresh_lease_owner", "is", null), eb("refresh_lease_until", "<", now)]))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async releaseLease(db, owner) {
      await leased(db)
        .updateTable(table)
        .set({ refresh_lease_owner: null, refresh_lease_until: null })
        .where(column, "=", key)
        .where("refresh_lease_owner", "=", owner)
        .execute();
    },
  };
}
