import { PostgresAdapter, type Kysely } from "kysely";

/**
 * The change feed's table (src/db/changeFeed.ts): on SQLite, every change that in-process caches must
 * hear is a row here, written in the same transaction as the change, and each hub reads the rows after the
 * last sequence number it saw. On PostgreSQL changes travel as NOTIFY instead and the table stays empty; it
 * exists there too so that both dialects have one schema.
 *
 * `seq` is AUTOINCREMENT on SQLite: never reused, even after the newest rows are pruned, so "rows after N"
 * never skips a change (a rolled-back insert takes its number back with it, leaving no gap either).
 */

// Migrations must not depend on the current Database type: it changes as later migrations land.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable("change_feed")
    .addColumn("seq", postgres ? "bigserial" : "integer", (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("created_at", postgres ? "bigint" : "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("change_feed").ifExists().execute();
}
