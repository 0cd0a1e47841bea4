import type { Kysely } from "kysely";
import { keyIdOf } from "./cipher.ts";
import type { Database } from "../db/schema.ts";

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

/**
 * The columns every write under the refresh lock sets with its tokens: the next version (the
 * compare-and-set that makes a write after a lost lease change nothing) and the lease released in the same
 * statement.
 */
export function lockedWrite(row: { version: number }) {
  return { version: row.version + 1, refresh_lease_owner: null, refresh_lease_until: null };
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
  scopes: string[];
}
