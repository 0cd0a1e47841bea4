import type { Kysely } from "kysely";

/**
 * Which provider account a connection belongs to, as the provider told it (ID token, userinfo or the
 * access token's own claims) at connect or refresh time: shown on the account page. Display only; never
 * used to decide anything. Null where the provider does not say.
 */

// Migrations must not depend on the current Database type: it changes as later migrations land.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const COLUMNS = ["account_subject", "account_email", "account_name"] as const;

export async function up(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) {
    await db.schema.alterTable("connections").addColumn(column, "text").execute();
  }
}

export async function down(db: AnyDb): Promise<void> {
  for (const column of COLUMNS) {
    await db.schema.alterTable("connections").dropColumn(column).execute();
  }
}
