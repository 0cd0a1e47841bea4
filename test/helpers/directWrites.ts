// Tests that change rows behind the vault's back (to age a token, point an integration elsewhere) publish
// what the vault's own write would, in the same transaction: hubs hold tokens and integrations in memory
// and drop them only when the change feed says so (src/db/changeFeed.ts). A bare UPDATE is a write that
// forgot to publish, and hubs keep serving what they hold until the safety TTL.
import type { Kysely, Updateable } from "kysely";
import { inTransaction, publishChange } from "../../src/db/changeFeed.ts";
import type { ConnectionsTable, Database, IntegrationsTable } from "../../src/db/schema.ts";

/** Updates the connections matching `where` (every one when empty); returns how many changed. */
export function updateConnections(
  db: Kysely<Database>,
  values: Updateable<ConnectionsTable>,
  where: { userId?: string; integrationId?: string } = {},
): Promise<number> {
  return inTransaction(db, async (trx) => {
    let query = trx.updateTable("connections").set(values);
    if (where.userId !== undefined) query = query.where("user_id", "=", where.userId);
    if (where.integrationId !== undefined) query = query.where("integration_id", "=", where.integrationId);
    const rows = await query.returning("id").execute();
    await publishChange(
      trx,
      rows.map((row) => ({ kind: "connection_changed" as const, key: row.id })),
    );
    return rows.length;
  });
}

/** Updates the integration `id`. */
export async function updateIntegration(
  db: Kysely<Database>,
  id: string,
  values: Updateable<IntegrationsTable>,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.updateTable("integrations").set(values).where("id", "=", id).execute();
    await publishChange(trx, { kind: "integration_changed", key: id });
  });
}
