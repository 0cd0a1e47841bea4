import type { Migration, MigrationProvider } from "kysely";
import * as initial from "./0001_initial.ts";
import * as connectionAccount from "./0002_connection_account.ts";
import * as changeFeed from "./0003_change_feed.ts";
import * as identityAudit from "./0004_identity_audit.ts";

/**
 * Every migration, in order. A static list (not a directory scan) so migrations work the same from
 * source, from a bundle and in tests. Names sort in the order they must run; never rename one that shipped.
 */
export const migrations: Record<string, Migration> = {
  "0001_initial": initial,
  "0002_connection_account": connectionAccount,
  "0003_change_feed": changeFeed,
  "0004_identity_audit": identityAudit,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
