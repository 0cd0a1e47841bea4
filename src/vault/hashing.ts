import { hash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Password hashing (scrypt) and token hashing (SHA-256).
 *
 * Passwords: "scrypt$<logN>$<r>$<p>$<salt b64url>$<hash b64url>" — parameters travel with the hash so they
 * can be raised later without breaking stored ones. Tokens (session cookies, personal access tokens,
 * OAuth state) are high-entropy random values, so a plain SHA-256 is enough to store them safely.
 */

const DEFAULT_LOG_N = 15; // N = 32768: ~32 MiB and tens of milliseconds per hash
const DEFAULT_R = 8;
const DEFAULT_P = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds for parameters read back from storage, so a damaged row cannot make verification hang.
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;

export interface PasswordHashOptions {
  /** log2 of scrypt's N (default 15). */
  logN?: number;
  r?: number;
  p?: number;
}

function scryptAsync(
  password: string,
  salt: Buffer,
  keylen: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, keylen, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

function scryptOptions(logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN;
  return { N, r, p, maxmem: 128 * N * r * 2 + 1024 * 1024 };
}

/** Hashes a password with a fresh salt; the result encodes its parameters. */
export async function hashPassword(password: string, options: PasswordHashOptions = {}): Promise<string> {
  const logN = options.logN ?? DEFAULT_LOG_N;
  const r = options.r ?? DEFAULT_R;
  const p = options.p ?? DEFAULT_P;
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, HASH_BYTES, scryptOptions(logN, r, p));
  return ["scrypt", logN, r, p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

/** True when `password` matches `encoded`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [logN, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,3}$/.test(x) ? Number(x) : NaN)) as [
    number,
    number,
    number,
  ];
  if (!(logN >= 1 && logN <= MAX_LOG_N && r >= 1 && r <= MAX_R && p >= 1 && p <= MAX_P)) return false;
  const salt = Buffer.from(parts[4]!, "base64url");
  const expected = Buffer.from(parts[5]!, "base64url");
  if (salt.length === 0 || expected.length < 16) return false;
  const actual = await scryptAsync(password, salt, expected.length, scryptOptions(logN, r, p));
  return timingSafeEqual(actual, expected);
}

/** SHA-256 of a token, hex: how sessions, personal access tokens and OAuth states are stored. */
export function hashToken(value: string): string {
  // The one-shot form: a third of createHash's cost, and it runs on every authenticated request.
  return hash("sha256", value, "hex");
}

/** A random token of `bytes` bytes (default 32 = 256 bits), base64url without padding. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** Constant-time comparison of two strings (e.g. a presented token hash and a stored one). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
