/**
 * Child process for the "hubs start together" test: waits for the agreed moment, opens (and so migrates)
 * the database in argv like a starting hub, and prints the migrations it finds recorded.
 */
import { sql } from "kysely";
import { openDatabase } from "../../src/db/index.ts";

const url = process.argv[2];
if (!url) throw new Error("usage: openDatabaseProcess.ts <databaseUrl> [startAtEpochMs]");
const startAt = Number(process.argv[3] ?? 0);
while (Date.now() < startAt) {
  // spin: a timer would add scheduling noise of several milliseconds
}
const store = await openDatabase(url);
try {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
  process.stdout.write(JSON.stringify(rows.rows.map((r) => r.name)));
} finally {
  await store.close();
}
