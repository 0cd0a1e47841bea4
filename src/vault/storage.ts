import type { Kysely, Updateable } from "kysely";
import { inTransaction, publishChange, type Change } from "../db/changeFeed.ts";
import type { Database } from "../db/schema.ts";
import { keyIdOf } from "./cipher.ts";

/** The part of the database handle the vault needs (src/db's Store satisfies it). */
export interface VaultStore {
  db: Kysely<Database>;
  dialect: "sqlite" | "postgres";
}

/** The part of the key ring the vault needs (src/vault/keyRing.ts's KeyRing satisfies it). */
export interface SecretCipher {
  /** Returns "v1.<keyId>.<nonce>.<ciphertext>"; `aad` binds the ciphertext to its row and column. */
  encrypt(plaintext: string, aad: string): string;
  decrypt(ciphertext: string, aad: string): string;
}

/** A sealed value and the key it is under, as the `_enc` and `key_id` columns hold them. */
export interface Sealed {
  enc: string;
  keyId: string;
}

/** Encrypts `plaintext` bound to `aad` (see aad.ts) and names the key it is under. */
export function seal(cipher: SecretCipher, plaintext: string, aad: string): Sealed {
  const enc = cipher.encrypt(plaintext, aad);
  return { enc, keyId: keyIdOf(enc) };
}

/** True when a database error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** The tables written under the refresh lock, each with the column that names its row. */
const LOCKED_ROW_KEY = { connections: "id", service_tokens: "integration_id" } as const;
type LockedTable = keyof typeof LOCKED_ROW_KEY;

/**
 * A write under the refresh lock: `values`, the next version and the lease released, in one statement
 * that matches only while the row is still at the version the writer read — so a write after a lost lease
 * changes nothing — and, when it matched, `change` published in the same transaction (every hub's cached
 * copy of the row goes). Returns the row's new columns, and whether they were stored (false: the row had
 * moved on).
 */
export async function writeUnderLock<T extends LockedTable>(
  db: Kysely<Database>,
  table: T,
  row: { version: number } & Record<(typeof LOCKED_ROW_KEY)[T], string>,
  values: Updateable<Database[T]>,
  change: Change,
) {
  const name: LockedTable = table;
  const key: string = LOCKED_ROW_KEY[table];
  const id: string = row[LOCKED_ROW_KEY[table]];
  const written = {
    ...values,
    version: row.version + 1,
    refresh_lease_owner: null,
    refresh_lease_until: null,
  };
  // The two tables differ in their key column only; the statement is the same for both (typed per table
  // by the signature above), so it is built untyped, as the key rotation's cross-table loop is.
  const stored = await inTransaction(db, async (trx) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const loose = trx as unknown as Kysely<any>;
    const result = await loose
      .updateTable(name)
      .set(written as Record<string, unknown>)
      .where(key, "=", id)
      .where("version", "=", row.version)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return false;
    await publishChange(trx, change);
    return true;
  });
  return { columns: written, stored };
}

/** An access token as the vault hands it out, from its opened value and its row. */
export function accessTokenResult(accessToken: string, row: { expires_at: number; scopes: string }) {
  return {
    accessToken,
    tokenType: "Bearer",
    expiresAt: Number(row.expires_at),
    scopes: storedScopes(row.scopes),
  } satisfies AccessTokenResult;
}

/** A `scopes` column: a JSON list the vault itself wrote. */
export const storedScopes = (text: string): string[] => JSON.parse(text) as string[];

const LATEST_DATE_MS = 8.64e15;

/**
 * expires_at as the database and the API can hold it: a whole number of ms no later than the last instant a
 * Date can show (routes answer it as ISO text). A provider may send any finite `expires_in` (a fraction, or
 * 1e20), and PostgreSQL's bigint column refuses both as they come.
 */
export function storedExpiry(expiresAt: number): number {
  return Math.min(Math.floor(expiresAt), LATEST_DATE_MS);
}

/** An access token as the vault hands it out. */
export interface AccessTokenResult {
  accessToken: string;
  tokenType: "Bearer";
  /** Epoch ms. */
  expiresAt: number;
  /** Read-only: a held token's answer is one frozen object shared by its readers. */
  scopes: readonly string[];
}
