/**
 * Child process for the "hubs start together" test: loads, says `ready` on stdout, waits for the parent's
 * go (a line on stdin, sent once every child is ready), then opens (and so migrates) the database in argv
 * like a starting hub and prints the migrations it finds recorded. The go is an event, not an agreed
 * moment, so a child that is slow to load on a busy machine cannot miss it.
 */
import { once } from "node:events";
import { sql } from "kysely";
import { openDatabase } from "../../src/db/index.ts";

const url = process.argv[2];
if (!url) throw new Error("usage: openDatabaseProcess.ts <databaseUrl>");
process.stdout.write("ready\n");
await once(process.stdin, "data");
process.stdin.destroy();
const store = await openDatabase(url);
try {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
  process.stdout.write(JSON.stringify(rows.rows.map((r) => r.name)));
} finally {
  await store.close();
}
