import { sql } from "kysely";
import { afterEach, expect, it } from "vitest";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import {
  inTransaction,
  openChangeFeed,
  publishChange,
  type ChangeFeed,
  type FeedEvent,
} from "./changeFeed.ts";
import type { Store } from "./index.ts";

/** Every event a feed delivers, and a way to wait for one without racing the clock. */
function record(feed: ChangeFeed) {
  const events: FeedEvent[] = [];
  const waiters: { test: (e: FeedEvent) => boolean; resolve: () => void }[] = [];
  feed.subscribe((event) => {
    events.push(event);
    for (const waiter of waiters.filter((w) => w.test(event))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    events,
    /** Resolves at the first event (from now, or already seen) matching `test`; SQLite is polled meanwhile. */
    until(test: (e: FeedEvent) => boolean): Promise<void> {
      if (events.some(test)) return Promise.resolve();
      const heard = new Promise<void>((resolve) => waiters.push({ test, resolve }));
      feed.poll();
      return heard;
    },
  };
}

const changeOf = (key: string) => (e: FeedEvent) => e.type === "change" && e.change.key === key;

forEachDatabase("change feed", (getStore, database) => {
  const feeds: ChangeFeed[] = [];
  const open = async (store: Store, options = {}) => {
    const feed = await openChangeFeed(store, { reconnectMinMs: 10, reconnectMaxMs: 50, ...options });
    feeds.push(feed);
    return feed;
  };
  afterEach(async () => {
    for (const feed of feeds.splice(0)) await feed.close();
  });

  it("delivers a change to another store's feed once its transaction commits, never on rollback", async () => {
    const other = record(await open(await database.open()));
    await inTransaction(getStore().db, async (trx) => {
      await publishChange(trx, { kind: "pat_revoked", key: "rolled-back" });
      throw new Error("roll back");
    }).catch(() => {});
    await getStore()
      .db.transaction()
      .execute(async (trx) => {
        await publishChange(trx, [
          { kind: "connection_changed", key: "c-1" },
          { kind: "user_changed", key: "u-1" },
        ]);
      });
    await other.until(changeOf("u-1"));
    const changes = other.events.flatMap((e) => (e.type === "change" ? [e.change] : []));
    expect(changes).toEqual([
      { kind: "connection_changed", key: "c-1" },
      { kind: "user_changed", key: "u-1" },
    ]);
  });

  it("hears this process's own commits through the same handle at once after inTransaction", async () => {
    const feed = await open(getStore());
    const own = record(feed);
    await inTransaction(getStore().db, (trx) => publishChange(trx, { kind: "session_ended", key: "s-own" }));
    // No waiting: on PostgreSQL it was delivered before inTransaction resolved, ahead of its NOTIFY;
    // SQLite reads it at the next poll.
    if (getStore().dialect === "sqlite") feed.poll();
    expect(own.events.some(changeOf("s-own"))).toBe(true);
  });

  it("a Kysely instance shares its adapter with its transactions (what local delivery is keyed by)", async () => {
    const db = getStore().db;
    await db.transaction().execute(async (trx) => {
      expect(trx.getExecutor().adapter).toBe(db.getExecutor().adapter);
    });
  });

  it("flushes on a change it cannot read, and on a published flush", async () => {
    const other = record(await open(await database.open()));
    if (database.dialect === "postgres") {
      await sql`select pg_notify('gatehouse_changes', '{"kind":"from_the_future","key":"x"}')`.execute(
        getStore().db,
      );
    } else {
      await getStore()
        .db.insertInto("change_feed")
        .values({ kind: "from_the_future", key: "x", created_at: Date.now() })
        .execute();
    }
    await other.until((e) => e.type === "flush" && e.reason === "unreadable");
    await publishChange(getStore().db, { kind: "flush", key: "*" });
    await other.until((e) => e.type === "flush" && e.reason === "flush_change");
  });

  it("refuses a change no listener could apply", async () => {
    await expect(publishChange(getStore().db, { kind: "user_changed", key: "" })).rejects.toThrow(TypeError);
    await expect(publishChange(getStore().db, { kind: "nope", key: "x" } as never)).rejects.toThrow(
      TypeError,
    );
  });

  it("caughtUp resolves once everything committed before it was heard", async () => {
    const feed = await open(await database.open());
    const seen = record(feed);
    await publishChange(getStore().db, { kind: "integration_changed", key: "i-1" });
    await feed.caughtUp();
    expect(seen.events.some(changeOf("i-1"))).toBe(true);
  });

  if (database.dialect === "postgres") {
    it("a terminated LISTEN session flushes, reads through while down, and comes back live", async () => {
      const states: string[] = [];
      const feed = await open(await database.open(), { onStateChange: (s: string) => states.push(s) });
      const seen = record(feed);
      expect(feed.live).toBe(true);
      const pid = feed.listenerPid;
      expect(pid).toBeTypeOf("number");
      await sql`select pg_terminate_backend(${pid})`.execute(getStore().db);
      await seen.until((e) => e.type === "flush" && e.reason === "listener_lost");
      await seen.until((e) => e.type === "flush" && e.reason === "listener_restored");
      expect(feed.live).toBe(true);
      expect(feed.listenerPid).not.toBe(pid);
      expect(feed.status()).toMatchObject({ state: "live", transport: "notify", losses: 1 });
      expect(states).toEqual(["live", "down", "live"]);
      await publishChange(getStore().db, { kind: "pat_revoked", key: "after-restore" });
      await seen.until(changeOf("after-restore"));
    });
  } else {
    it("flushes when rows it never read were pruned (a hub idle past the retention)", async () => {
      // Its clock a minute ahead: every row is past the retention of 0 ms.
      const feed = await open(await database.open(), { keepMs: 0, now: () => Date.now() + 60_000 });
      const seen = record(feed);
      await publishChange(getStore().db, { kind: "pat_revoked", key: "old-1" });
      await publishChange(getStore().db, { kind: "pat_revoked", key: "old-2" });
      await (feed as unknown as { prune(): Promise<void> }).prune();
      await publishChange(getStore().db, { kind: "pat_revoked", key: "new" });
      feed.poll();
      expect(seen.events).toEqual([{ type: "flush", reason: "gap" }]);
      expect(feed.status()).toMatchObject({ state: "live", transport: "table" });
    });

    it("does not read inside an open transaction of its connection (rows there may roll back)", async () => {
      const store = await database.open();
      const feed = await open(store);
      const seen = record(feed);
      await store.db.transaction().execute(async (trx) => {
        await publishChange(trx, { kind: "pat_revoked", key: "uncommitted" });
        feed.poll();
        expect(seen.events).toEqual([]);
      });
      feed.poll();
      expect(seen.events.some(changeOf("uncommitted"))).toBe(true);
    });
  }
});
