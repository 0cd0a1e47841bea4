import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { z } from "zod";
import { GatehouseError } from "../errors.ts";
import {
  KEY_BYTES,
  keyIdOf,
  keyIdPattern,
  openWithKey,
  parseCiphertext,
  sealWithKey,
  DecryptionError,
} from "./cipher.ts";
import {
  checkKeysFilePermissions,
  createKeysFile,
  ENCRYPTION_KEYS_VARIABLE,
  keysFilePath,
  keysFileStamp,
  readKeysFile,
  replaceKeysFile,
} from "./keysFile.ts";

/**
 * The encryption keys of this hub. The first key encrypts; every key decrypts, so after adding a key
 * (first) old rows stay readable until `reencryptAll` (src/vault/rotation.ts) moves them over.
 *
 * Keys come from GATEHOUSE_ENCRYPTION_KEYS ("id1:base64key,id2:base64key", 32-byte keys) or, when that
 * is not set, from `<dataDir>/keys.json`, generated with mode 0600 on first start.
 * Key material never appears in an error message, a log line, JSON or `util.inspect` output.
 */

/** One key: its id (recorded in every ciphertext) and 32 bytes of key material. */
export interface KeyEntry {
  id: string;
  key: Buffer;
}

export interface LoadKeyRingOptions {
  /** The value of GATEHOUSE_ENCRYPTION_KEYS; unset or blank means "use the keys file". */
  env?: string | undefined;
  /** Where keys.json lives when env is not set. */
  dataDir: string;
  /** The clock that spaces out looks at keys.json (tests); default Date.now. */
  now?: () => number;
}

export interface AddedKey {
  /** Id of the generated key, now first (the encrypting key). */
  keyId: string;
  /** The ring with the new key first. */
  keyRing: KeyRing;
  /** A GATEHOUSE_ENCRYPTION_KEYS value holding every key, the new one first. */
  env: string;
  /** keys.json content holding every key, the new one first (write it with saveKeysFile). */
  keysFileContent: string;
}

function invalidKeys(reason: string, source: string): GatehouseError {
  return new GatehouseError("invalid_encryption_keys", `${source} ${reason}`, { source });
}

function decodeKey(text: string): Buffer | null {
  const trimmed = text.trim();
  // Standard or URL-safe base64, padded or not.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const normalized = trimmed.replace(/-/g, "+").replace(/_/g, "/");
  const key = Buffer.from(normalized, "base64");
  return key.length === KEY_BYTES ? key : null;
}

/** Parses "id1:base64key,id2:base64key". Errors say which entry and why, never what it held. */
export function parseKeysEnv(value: string, source = ENCRYPTION_KEYS_VARIABLE): KeyEntry[] {
  const entries = value
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.length === 0) throw invalidKeys("holds no keys", source);
  const keys: KeyEntry[] = [];
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const colon = entry.indexOf(":");
    if (colon < 0) throw invalidKeys(`${where} is not "<keyId>:<base64 key>"`, source);
    const id = entry.slice(0, colon).trim();
    if (!keyIdPattern.test(id)) {
      throw invalidKeys(`${where} has an invalid key id (1-32 characters of A-Z a-z 0-9 _ -)`, source);
    }
    const key = decodeKey(entry.slice(colon + 1));
    if (!key) throw invalidKeys(`${where} is not a base64-encoded 32-byte key`, source);
    if (keys.some((k) => k.id === id)) throw invalidKeys(`${where} repeats an earlier key id`, source);
    keys.push({ id, key });
  });
  return keys;
}

/** keys.json: read with a schema, entry by entry, so the message names the entry that is wrong. */
const keysFileList = z.object({ keys: z.array(z.unknown()).min(1) });
const keysFileEntry = z.object({ id: z.string(), key: z.string(), createdAt: z.string().optional() });
type KeysFile = { keys: z.infer<typeof keysFileEntry>[] };

function parseKeysFile(text: string, path: string): KeyEntry[] {
  const source = `keys file ${path}`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalidKeys("is not valid JSON", source);
  }
  const file = keysFileList.safeParse(data);
  if (!file.success) throw invalidKeys('has no "keys" list', source);
  const entries = file.data.keys.map((raw, i) => {
    const entry = keysFileEntry.safeParse(raw);
    if (!entry.success) throw invalidKeys(`entry ${i + 1} needs string "id" and "key"`, source);
    return `${entry.data.id}:${entry.data.key}`;
  });
  return parseKeysEnv(entries.join(","), source);
}

function serializeKeysFile(keys: readonly KeyEntry[]): string {
  const file: KeysFile = {
    keys: keys.map((k) => ({ id: k.id, key: k.key.toString("base64") })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** A fresh key id: "k" + UTC date + random suffix, e.g. "k20261123-5f3a9c". */
export function generateKeyId(existing: readonly string[] = []): string {
  for (;;) {
    const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
    const id = `k${date}-${randomBytes(3).toString("hex")}`;
    if (!existing.includes(id)) return id;
  }
}

function generateKey(existing: readonly string[] = []): KeyEntry {
  return { id: generateKeyId(existing), key: randomBytes(KEY_BYTES) };
}

export class KeyRing {
  #keys: ReadonlyMap<string, Buffer>;
  #order: readonly KeyEntry[];
  /** Identity (mtime, size) of the keys file as last read, and when it was last looked at. */
  #fileStamp = "";
  #checkedAt = 0;
  readonly #now: () => number;
  /** Where the keys came from. */
  readonly source: "env" | "file" | "memory";
  /** Path of keys.json when source is "file". */
  readonly keysFile: string | null;
  /** Non-fatal problems found while loading (e.g. a keys file readable by its group). */
  readonly warnings: readonly string[];

  constructor(
    keys: readonly KeyEntry[],
    origin: {
      source?: "env" | "file" | "memory";
      keysFile?: string | null;
      warnings?: string[];
      now?: () => number;
    } = {},
  ) {
    if (keys.length === 0) throw invalidKeys("holds no keys", "key ring");
    this.#order = keys.map((k) => ({ id: k.id, key: Buffer.from(k.key) }));
    this.#keys = new Map(this.#order.map((k) => [k.id, k.key]));
    this.source = origin.source ?? "memory";
    this.keysFile = origin.keysFile ?? null;
    this.warnings = Object.freeze([...(origin.warnings ?? [])]);
    this.#now = origin.now ?? Date.now;
    if (this.keysFile) {
      this.#fileStamp = keysFileStamp(this.keysFile);
      this.#checkedAt = this.#now();
    }
  }

  /**
   * Follows `gatehouse keys rotate` in a hub that keeps running: when keys.json has changed since it was
   * read, its keys replace these. Looked at no more often than `minIntervalMs`, so the hot path pays one
   * stat per interval at most. Env-configured rings never change (every hub is restarted with the new value).
   */
  #refreshFromFile(minIntervalMs: number): void {
    if (this.source !== "file" || !this.keysFile) return;
    const now = this.#now();
    if (now - this.#checkedAt < minIntervalMs) return;
    this.#checkedAt = now;
    const stamp = keysFileStamp(this.keysFile);
    if (stamp === this.#fileStamp || stamp === "") return;
    let keys: KeyEntry[];
    try {
      keys = parseKeysFile(readFileSync(this.keysFile, "utf8"), this.keysFile);
    } catch {
      return; // a half-written or broken file: keep the keys we have, look again next interval
    }
    this.#fileStamp = stamp;
    this.#order = keys.map((k) => ({ id: k.id, key: Buffer.from(k.key) }));
    this.#keys = new Map(this.#order.map((k) => [k.id, k.key]));
  }

  /** A ring from a GATEHOUSE_ENCRYPTION_KEYS-style string. */
  static fromEnv(value: string): KeyRing {
    return new KeyRing(parseKeysEnv(value), { source: "env" });
  }

  /** A ring with one fresh random key (tests, first start). */
  static generate(): KeyRing {
    return new KeyRing([generateKey()]);
  }

  /** The key that encrypts new values. */
  get currentKeyId(): string {
    return this.#order[0]!.id;
  }

  /** Every key id, the encrypting one first. */
  get keyIds(): string[] {
    return this.#order.map((k) => k.id);
  }

  hasKey(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** "v1.<keyId>.<nonce>.<ciphertext+tag>" under the current key; `aad` is the row identity. */
  encrypt(plaintext: string, aad: string): string {
    this.#refreshFromFile(KEYS_FILE_CHECK_MS);
    const first = this.#order[0]!;
    return sealWithKey(first.key, first.id, plaintext, aad);
  }

  /** Throws GatehouseError `decryption_failed` for an unknown key id, a wrong `aad` or altered bytes. */
  decrypt(ciphertext: string, aad: string): string {
    const parsed = parseCiphertext(ciphertext);
    if (!this.#keys.has(parsed.keyId)) this.#refreshFromFile(0); // a stat, only for rows under a key we lack
    const key = this.#keys.get(parsed.keyId);
    if (!key) {
      throw new DecryptionError(
        `Stored value was encrypted under key "${parsed.keyId}", which is not among the configured keys`,
        { keyId: parsed.keyId },
      );
    }
    return openWithKey(key, parsed, aad);
  }

  /** The key id recorded in a ciphertext (what the `key_id` columns hold). */
  keyIdOf(ciphertext: string): string {
    return keyIdOf(ciphertext);
  }

  /** Generates a new key and returns everything needed to make it the encrypting key (`keys rotate`). */
  withAddedKey(): AddedKey {
    const added = generateKey(this.keyIds);
    const keys = [added, ...this.#order];
    return {
      keyId: added.id,
      keyRing: new KeyRing(keys, { source: this.source, keysFile: this.keysFile }),
      env: keys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(","),
      keysFileContent: serializeKeysFile(keys),
    };
  }

  /** keys.json content for this ring (for writing it back after removing a retired key, say). */
  toKeysFileContent(): string {
    return serializeKeysFile(this.#order);
  }

  toJSON(): unknown {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds, source: this.source };
  }

  toString(): string {
    return `KeyRing { currentKeyId: ${this.currentKeyId}, keys: ${this.#order.length}, source: ${this.source} }`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** How often a file-based ring looks for a rotated keys.json while encrypting; `keys rotate` waits longer. */
export const KEYS_FILE_CHECK_MS = 1000;

/**
 * Loads the key ring: from `env` when set, else from `<dataDir>/keys.json`, creating that file (mode
 * 0600, created atomically so two hubs starting together agree on one key) when it does not exist.
 * A keys file readable or writable by everyone is refused; one readable by its group gives a warning.
 */
export function loadKeyRing(options: LoadKeyRingOptions): KeyRing {
  if (options.env !== undefined && options.env.trim() !== "") {
    return new KeyRing(parseKeysEnv(options.env), { source: "env" });
  }
  const path = keysFilePath(options.dataDir);
  let text = readKeysFile(path);
  if (text === null) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    text = createKeysFile(path, serializeKeysFile([generateKey()]));
  }
  const warnings = checkKeysFilePermissions(path);
  return new KeyRing(parseKeysFile(text, path), {
    source: "file",
    keysFile: path,
    warnings,
    now: options.now,
  });
}

/** Replaces keys.json atomically (write a 0600 temp file, then rename), e.g. after `keys rotate`. */
export function saveKeysFile(dataDir: string, content: string): string {
  const path = keysFilePath(dataDir);
  parseKeysFile(content, path); // never write a file we could not load back
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  replaceKeysFile(path, content);
  return path;
}
