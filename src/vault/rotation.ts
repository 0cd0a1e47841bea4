import type { Kysely } from "kysely";
import { GatehouseError } from "../errors.ts";
import type { VaultStore } from "./storage.ts";
import { aad } from "./aad.ts";
import type { KeyRing } from "./keyRing.ts";

/**
 * Key rotation: re-encrypt every stored secret that is still under an older key.
 *
 * Every `_enc` column is opened and sealed again with its associated data from `aad.ts`, the same strings
 * storage uses.
 *
 * Safe while hubs keep serving: rows are read in batches (keyset pagination on the primary key), the
 * new ciphertexts are written in one transaction per batch, and each UPDATE only matches if the row
 * still holds the ciphertexts (and `version`) that were read. A row a refresher rewrote meanwhile is left
 * alone (counted as `skipped`; its new value is already under whatever key that hub encrypts with) —
 * run again to pick it up. `version` is deliberately not bumped: re-encryption does not change the
 * tokens, and bumping it would make an in-flight refresher throw away the tokens it just obtained.
 */

export type EncryptedTable = "integrations" | "connections" | "service_tokens" | "oauth_states" | "sessions";

interface TableSpec {
  table: EncryptedTable;
  primaryKey: string;
  /** The `_enc` columns and the AAD of each for a given primary key. */
  columns: { name: string; aad: (id: string) => string }[];
  versioned: boolean;
}

const tables: TableSpec[] = [
  {
    table: "integrations",
    primaryKey: "id",
    columns: [{ name: "client_secret_enc", aad: aad.integrationClientSecret }],
    versioned: false,
  },
  {
    table: "connections",
    primaryKey: "id",
    columns: [
      { name: "access_token_enc", aad: aad.connectionAccessToken },
      { name: "refresh_token_enc", aad: aad.connectionRefreshToken },
    ],
    versioned: true,
  },
  {
    table: "service_tokens",
    primaryKey: "integration_id",
    columns: [{ name: "access_token_enc", aad: aad.serviceAccessToken }],
    versioned: true,
  },
  {
    table: "oauth_states",
    primaryKey: "state_hash",
    columns: [{ name: "code_verifier_enc", aad: aad.oauthStateCodeVerifier }],
    versioned: false,
  },
  {
    // OpenID Connect sessions keep their ID token for the provider's logout (most sessions have none).
    table: "sessions",
    primaryKey: "id",
    columns: [{ name: "id_token_enc", aad: aad.sessionIdToken }],
    versioned: false,
  },
];

export interface TableCounts {
  /** Rows now under the current key. */
  reencrypted: number;
  /**
   * Rows changed by someone else between read and write, or (PostgreSQL) locked by a refresher at that
   * moment: left for the next run.
   */
  skipped: number;
  /** Rows that could not be decrypted (unknown key, tampered): left as they are. */
  failed: number;
}

export interface ReencryptResult extends TableCounts {
  keyId: string;
  tables: Record<EncryptedTable, TableCounts>;
  /** Which rows failed, by table and primary key (no values). */
  failures: { table: EncryptedTable; id: string; code: string }[];
}

export interface ReencryptOptions {
  batchSize?: number;
  onProgress?: (progress: { table: EncryptedTable } & TableCounts) => void;
  /**
   * Called after a batch is read and re-encrypted in memory, just before it is written. Lets tests
   * change rows in that window to prove a concurrent write is never overwritten.
   */
  beforeWrite?: (batch: { table: EncryptedTable; ids: string[] }) => Promise<void> | void;
}

type Row = Record<string, string | number | null>;
// The four tables differ in shape; the loop below treats them alike, so it works on untyped rows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseDb = Kysely<any>;

/** Re-encrypts every row whose key_id is not the ring's current key. Returns what happened. */
export async function reencryptAll(
  store: VaultStore,
  keyRing: KeyRing,
  options: ReencryptOptions = {},
): Promise<ReencryptResult> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new GatehouseError("invalid_request", "batchSize must be a positive integer");
  }
  const keyId = keyRing.currentKeyId;
  const result: ReencryptResult = {
    keyId,
    reencrypted: 0,
    skipped: 0,
    failed: 0,
    tables: {
      integrations: { reencrypted: 0, skipped: 0, failed: 0 },
      connections: { reencrypted: 0, skipped: 0, failed: 0 },
      service_tokens: { reencrypted: 0, skipped: 0, failed: 0 },
      oauth_states: { reencrypted: 0, skipped: 0, failed: 0 },
      sessions: { reencrypted: 0, skipped: 0, failed: 0 },
    },
    failures: [],
  };
  const db = store.db as LooseDb;

  for (const spec of tables) {
    const counts = result.tables[spec.table];
    let after: string | null = null;
    for (;;) {
      let query = db
        .selectFrom(spec.table)
        .select([spec.primaryKey, ...spec.columns.map((c) => c.name), ...(spec.versioned ? ["version"] : [])])
        .where("key_id", "is not", null)
        .where("key_id", "!=", keyId)
        // "" marks a placeholder row with no secret yet (the token service's lock row).
        .where("key_id", "!=", "")
        .orderBy(spec.primaryKey)
        .limit(batchSize);
      if (after !== null) query = query.where(spec.primaryKey, ">", after);
      const rows = (await query.execute()) as Row[];
      if (rows.length === 0) break;
      after = String(rows[rows.length - 1]![spec.primaryKey]);

      const updates: { row: Row; values: Record<string, string | null> }[] = [];
      for (const row of rows) {
        const id = String(row[spec.primaryKey]);
        try {
          const values: Record<string, string | null> = {};
          for (const column of spec.columns) {
            const old = row[column.name];
            values[column.name] =
              typeof old === "string" && old !== ""
                ? keyRing.encrypt(keyRing.decrypt(old, column.aad(id)), column.aad(id))
                : (old as string | null);
          }
          updates.push({ row, values });
        } catch (error) {
          counts.failed++;
          result.failures.push({
            table: spec.table,
            id,
            code: error instanceof GatehouseError ? error.code : "decryption_failed",
          });
        }
      }

      await options.beforeWrite?.({
        table: spec.table,
        ids: updates.map((u) => String(u.row[spec.primaryKey])),
      });
      await db.transaction().execute(async (trx) => {
        // On PostgreSQL a refresher holds `FOR UPDATE` on its row across the provider call; do not queue
        // behind it (and hold this batch's locks meanwhile): lock what is free, skip what is not.
        let lockable: Set<unknown> | null = null;
        if (store.dialect === "postgres" && updates.length > 0) {
          const locked = (await trx
            .selectFrom(spec.table)
            .select(spec.primaryKey)
            .where(
              spec.primaryKey,
              "in",
              updates.map((u) => u.row[spec.primaryKey]),
            )
            .forUpdate()
            .skipLocked()
            .execute()) as Row[];
          lockable = new Set(locked.map((r) => r[spec.primaryKey]));
        }
        for (const { row, values } of updates) {
          if (lockable && !lockable.has(row[spec.primaryKey])) {
            counts.skipped++;
            continue;
          }
          let update = trx
            .updateTable(spec.table)
            .set({ ...values, key_id: keyId })
            .where(spec.primaryKey, "=", row[spec.primaryKey]);
          // Compare-and-set on what was read: never overwrite a concurrent write with stale data.
          for (const column of spec.columns) {
            const old = row[column.name];
            update =
              old === null ? update.where(column.name, "is", null) : update.where(column.name, "=", old);
          }
          if (spec.versioned) update = update.where("version", "=", row.version);
          const written = await update.executeTakeFirst();
          if (Number(written.numUpdatedRows) === 1) counts.reencrypted++;
          else counts.skipped++;
        }
      });
      options.onProgress?.({ table: spec.table, ...counts });
      if (rows.length < batchSize) break;
    }
    result.reencrypted += counts.reencrypted;
    result.skipped += counts.skipped;
    result.failed += counts.failed;
  }
  return result;
}

/** How many rows, across the encrypted tables, record `keyId` as their key. */
export async function countRowsUnderKey(store: VaultStore, keyId: string): Promise<number> {
  const db = store.db as LooseDb;
  let total = 0;
  for (const spec of tables) {
    const row = await db
      .selectFrom(spec.table)
      .select((eb) => eb.fn.countAll().as("n"))
      .where("key_id", "=", keyId)
      .executeTakeFirstOrThrow();
    total += Number((row as { n: number | string }).n);
  }
  return total;
}

/**
 * Rows per key id across the encrypted tables (placeholder rows and rows without a secret left out):
 * a key that no longer appears here can be removed from the ring.
 */
export async function countRowsByKey(store: VaultStore): Promise<Record<string, number>> {
  const db = store.db as LooseDb;
  const counts: Record<string, number> = {};
  for (const spec of tables) {
    const rows = (await db
      .selectFrom(spec.table)
      .select((eb) => ["key_id", eb.fn.countAll().as("n")])
      .where("key_id", "is not", null)
      .where("key_id", "!=", "")
      .groupBy("key_id")
      .execute()) as { key_id: string; n: number | string }[];
    for (const row of rows) counts[row.key_id] = (counts[row.key_id] ?? 0) + Number(row.n);
  }
  return counts;
}
