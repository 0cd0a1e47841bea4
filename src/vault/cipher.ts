import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { GatehouseError } from "../errors.ts";

/**
 * AES-256-GCM for values stored in `_enc` columns. The stored form is
 *
 *     v1.<keyId>.<nonce, base64url>.<ciphertext followed by the 16-byte tag, base64url>
 *
 * with a fresh random 96-bit nonce per value. The associated data is the row's identity (see
 * src/vault/rotation.ts for the conventions), so a ciphertext copied into another row or column fails
 * to decrypt instead of handing one user's token to another.
 */

export const CIPHERTEXT_VERSION = "v1";
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = "aes-256-gcm";

export const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
const base64urlPattern = /^[A-Za-z0-9_-]*$/;

export class DecryptionError extends GatehouseError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("decryption_failed", message, details);
  }
}

export interface ParsedCiphertext {
  keyId: string;
  nonce: Buffer;
  /** Ciphertext without the tag. */
  body: Buffer;
  tag: Buffer;
}

/** The key id inside "v1.<keyId>.…" (what the `key_id` columns record); DecryptionError when not a ciphertext. */
export function keyIdOf(ciphertext: string): string {
  return parseCiphertext(ciphertext).keyId;
}

/** Splits a stored value into its parts; throws DecryptionError when it is not a v1 ciphertext. */
export function parseCiphertext(value: string): ParsedCiphertext {
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== CIPHERTEXT_VERSION) {
    throw new DecryptionError("Stored value is not a v1 vault ciphertext");
  }
  const [, keyId = "", nonceText = "", sealedText = ""] = parts;
  if (!keyIdPattern.test(keyId) || !base64urlPattern.test(nonceText) || !base64urlPattern.test(sealedText)) {
    throw new DecryptionError("Stored value is not a v1 vault ciphertext");
  }
  const nonce = Buffer.from(nonceText, "base64url");
  const sealed = Buffer.from(sealedText, "base64url");
  if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) {
    throw new DecryptionError("Stored value is not a v1 vault ciphertext");
  }
  return {
    keyId,
    nonce,
    body: sealed.subarray(0, sealed.length - TAG_BYTES),
    tag: sealed.subarray(sealed.length - TAG_BYTES),
  };
}

/** Encrypts `plaintext` under `key` (32 bytes), binding it to `aad`. */
export function sealWithKey(key: Buffer, keyId: string, plaintext: string, aad: string): string {
  if (key.length !== KEY_BYTES) throw new GatehouseError("vault_error", "Encryption key must be 32 bytes");
  if (!keyIdPattern.test(keyId)) throw new GatehouseError("vault_error", "Invalid encryption key id");
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const sealed = Buffer.concat([body, cipher.getAuthTag()]);
  return `${CIPHERTEXT_VERSION}.${keyId}.${nonce.toString("base64url")}.${sealed.toString("base64url")}`;
}

/**
 * Decrypts a parsed value with `key`. Any failure (wrong key, wrong aad, altered bytes) is the same
 * DecryptionError: GCM cannot tell them apart, and the caller must not try to.
 */
export function openWithKey(key: Buffer, parsed: ParsedCiphertext, aad: string): string {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, parsed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(parsed.tag);
    const plain = Buffer.concat([decipher.update(parsed.body), decipher.final()]);
    return plain.toString("utf8");
  } catch {
    throw new DecryptionError(
      "Stored value failed authentication: it was altered, moved from another row, or encrypted under another key",
      { keyId: parsed.keyId },
    );
  }
}
