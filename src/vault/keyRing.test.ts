import { thrownBy } from "../../test/helpers/thrown.ts";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../../test/helpers/tempDir.ts";
import { GatehouseError } from "../errors.ts";
import { keyIdOf } from "./cipher.ts";
import { KEYS_FILE_CHECK_MS, KeyRing, loadKeyRing, saveKeysFile } from "./keyRing.ts";
import { keysFilePath } from "./keysFile.ts";

const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("base64");
const aadA = "connections:conn-a:access_token";
const aadB = "connections:conn-b:access_token";

/** The GatehouseError `fn` throws; fails the test when it throws anything else or nothing. */
const thrownError = (fn: () => unknown): GatehouseError => thrownBy(GatehouseError, fn);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof GatehouseError ? error.code : `not a GatehouseError: ${String(error)}`;
  }
  return undefined;
}

/** Replaces one base64url character of part `index` of "v1.<id>.<nonce>.<sealed>". */
function alter(ciphertext: string, index: number, at = 0): string {
  const parts = ciphertext.split(".");
  const part = parts[index]!;
  const c = part[at] === "A" ? "B" : "A";
  parts[index] = part.slice(0, at) + c + part.slice(at + 1);
  return parts.join(".");
}

describe("encrypt and decrypt", () => {
  const ring = KeyRing.fromEnv(`ka:${keyA},kb:${keyB}`);

  it("round-trips text, including empty and non-ASCII values", () => {
    for (const value of ["", "eyJhbGciOi.secret-token", "ünïcødé ✓ 🔑", "x".repeat(10_000)]) {
      expect(ring.decrypt(ring.encrypt(value, aadA), aadA)).toBe(value);
    }
  });

  it("writes v1.<keyId>.<nonce>.<ciphertext+tag> with a fresh 96-bit nonce each time", () => {
    const first = ring.encrypt("same", aadA);
    const second = ring.encrypt("same", aadA);
    expect(first).toMatch(/^v1\.ka\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(Buffer.from(first.split(".")[2]!, "base64url")).toHaveLength(12);
    expect(first).not.toBe(second);
    expect(first).not.toContain("same");
    expect(keyIdOf(first)).toBe("ka");
    expect(ring.keyIdOf(first)).toBe("ka");
  });

  it("refuses a ciphertext moved to another row or column", () => {
    const ciphertext = ring.encrypt("user A's token", aadA);
    expect(codeOf(() => ring.decrypt(ciphertext, aadB))).toBe("decryption_failed");
    expect(codeOf(() => ring.decrypt(ciphertext, "connections:conn-a:refresh_token"))).toBe(
      "decryption_failed",
    );
  });

  it("refuses altered nonce, ciphertext or tag", () => {
    const ciphertext = ring.encrypt("token value", aadA);
    const sealedLength = ciphertext.split(".")[3]!.length;
    for (const altered of [
      alter(ciphertext, 2),
      alter(ciphertext, 3),
      alter(ciphertext, 3, sealedLength - 2),
    ]) {
      expect(altered).not.toBe(ciphertext);
      expect(codeOf(() => ring.decrypt(altered, aadA))).toBe("decryption_failed");
    }
    const [, , nonce, sealed] = ciphertext.split(".");
    const truncated = `v1.ka.${nonce}.${sealed!.slice(0, 10)}`;
    expect(codeOf(() => ring.decrypt(truncated, aadA))).toBe("decryption_failed");
  });

  it("refuses a ciphertext relabelled with another configured key id", () => {
    const ciphertext = ring.encrypt("token value", aadA);
    const relabelled = ciphertext.replace(/^v1\.ka\./, "v1.kb.");
    expect(codeOf(() => ring.decrypt(relabelled, aadA))).toBe("decryption_failed");
  });

  it("refuses an unknown key id, naming the id and nothing else", () => {
    const other = KeyRing.fromEnv(`retired:${randomBytes(32).toString("base64")}`);
    const ciphertext = other.encrypt("token value", aadA);
    const error = thrownError(() => ring.decrypt(ciphertext, aadA));
    expect(error.code).toBe("decryption_failed");
    expect(error.message).toContain('"retired"');
    expect(error.message).not.toContain("token value");
  });

  it("refuses values that are not ciphertexts", () => {
    for (const value of [
      "",
      "plain-token",
      "v2.ka.AAAA.BBBB",
      "v1.ka.AAAA",
      "v1.k a.AAAAAAAAAAAAAAAA.BBBB",
      "v1..x.y",
    ]) {
      expect(codeOf(() => ring.decrypt(value, aadA))).toBe("decryption_failed");
    }
  });

  it("encrypts with the first key and decrypts with any", () => {
    const old = KeyRing.fromEnv(`kb:${keyB}`);
    const written = old.encrypt("written before rotation", aadA);
    expect(ring.currentKeyId).toBe("ka");
    expect(ring.keyIds).toEqual(["ka", "kb"]);
    expect(ring.decrypt(written, aadA)).toBe("written before rotation");
    expect(keyIdOf(ring.encrypt("new", aadA))).toBe("ka");
    const reordered = KeyRing.fromEnv(`kb:${keyB},ka:${keyA}`);
    expect(keyIdOf(reordered.encrypt("new", aadA))).toBe("kb");
    expect(reordered.decrypt(ring.encrypt("both ways", aadA), aadA)).toBe("both ways");
  });

  it("never shows key material in JSON or inspect output", () => {
    const shown = `${JSON.stringify(ring)} ${inspect(ring, { showHidden: true, depth: 5 })} ${String(ring)}`;
    expect(shown).toContain("ka");
    for (const key of [keyA, keyB]) {
      expect(shown).not.toContain(key);
      expect(shown).not.toContain(Buffer.from(key, "base64").toString("hex"));
    }
  });
});

describe("GATEHOUSE_ENCRYPTION_KEYS", () => {
  const envDir = useTempDir("gatehouse-keys-env-");

  it("accepts standard and URL-safe base64, padded or not, with spaces around entries", () => {
    const raw = randomBytes(32);
    const ring = loadKeyRing({
      env: ` one:${raw.toString("base64")} , two:${raw.toString("base64url")} ,`,
      dataDir: envDir(),
    });
    expect(ring.keyIds).toEqual(["one", "two"]);
    expect(ring.source).toBe("env");
    const ciphertext = ring.encrypt("x", aadA);
    expect(
      loadKeyRing({ env: `two:${raw.toString("base64url")}`, dataDir: envDir() }).decrypt(
        ciphertext.replace(".one.", ".two."),
        aadA,
      ),
    ).toBe("x");
  });

  const shortKey = randomBytes(16).toString("base64");
  const longKey = randomBytes(48).toString("base64");
  it.each([
    ["a key without an id", keyA, keyA],
    ["an empty list", " , ", null],
    ["a 16-byte key", `k1:${shortKey}`, shortKey],
    ["a 48-byte key", `k1:${longKey}`, longKey],
    ["key and id swapped", `${keyA}:k1`, keyA],
    ["an id with a space", `my key:${keyA}`, keyA],
    ["an id longer than 32", `${"k".repeat(33)}:${keyA}`, keyA],
    ["a key with invalid characters", `k1:${keyA.slice(0, 20)}!!${keyA.slice(22)}`, keyA.slice(0, 20)],
    ["a repeated id", `k1:${keyA},k1:${keyB}`, keyB],
  ])("rejects %s, naming the variable and not echoing the key", (_label, value, secret) => {
    const error = thrownError(() => loadKeyRing({ env: value, dataDir: envDir() }));
    expect(error.code).toBe("invalid_encryption_keys");
    expect(error.message).toContain("GATEHOUSE_ENCRYPTION_KEYS");
    if (secret) {
      expect(error.message).not.toContain(secret.slice(0, 12));
      expect(JSON.stringify(error.details)).not.toContain(secret.slice(0, 12));
    }
  });

  it("does not create a keys file when the variable is set", () => {
    loadKeyRing({ env: `k1:${keyA}`, dataDir: envDir() });
    expect(() => statSync(keysFilePath(envDir()))).toThrow();
  });
});

describe("keys.json", () => {
  const root = useTempDir("gatehouse-keys-file-");

  it("is generated once with mode 0600 (directory created) and reused afterwards", () => {
    const dataDir = join(root(), "data", "nested");
    const first = loadKeyRing({ dataDir });
    const path = keysFilePath(dataDir);
    expect(first.source).toBe("file");
    expect(first.keysFile).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.warnings).toEqual([]);
    const content = readFileSync(path, "utf8");

    const second = loadKeyRing({ dataDir });
    expect(readFileSync(path, "utf8")).toBe(content);
    expect(second.currentKeyId).toBe(first.currentKeyId);
    expect(second.decrypt(first.encrypt("survives a restart", aadA), aadA)).toBe("survives a restart");
  });

  it("is used when the variable is blank", () => {
    const dataDir = join(root(), "blank-env");
    const ring = loadKeyRing({ env: "  ", dataDir });
    expect(ring.source).toBe("file");
    expect(statSync(keysFilePath(dataDir)).isFile()).toBe(true);
  });

  it("is refused when everyone can read it, and warned about when its group can", () => {
    const dataDir = join(root(), "perms");
    loadKeyRing({ dataDir });
    const path = keysFilePath(dataDir);
    chmodSync(path, 0o644);
    const error = thrownError(() => loadKeyRing({ dataDir }));
    expect(error.code).toBe("insecure_keys_file");
    expect(error.message).toContain("chmod 600");
    chmodSync(path, 0o640);
    expect(loadKeyRing({ dataDir }).warnings).toEqual([expect.stringContaining("group")]);
  });

  it("reports a keys file that cannot be read with a stable code", () => {
    const dataDir = join(root(), "unreadable");
    mkdirSync(keysFilePath(dataDir), { recursive: true }); // a directory where the file should be
    expect(codeOf(() => loadKeyRing({ dataDir }))).toBe("invalid_encryption_keys");
  });

  it("rejects a damaged file without echoing it", () => {
    const dataDir = join(root(), "damaged");
    loadKeyRing({ dataDir });
    const path = keysFilePath(dataDir);
    const secret = randomBytes(20).toString("base64");
    writeFileSync(path, JSON.stringify({ keys: [{ id: "k1", key: secret }] }), { mode: 0o600 });
    const error = thrownError(() => loadKeyRing({ dataDir }));
    expect(error.code).toBe("invalid_encryption_keys");
    expect(error.message).toContain(path);
    expect(error.message).not.toContain(secret);
    writeFileSync(path, "{not json", { mode: 0o600 });
    expect(codeOf(() => loadKeyRing({ dataDir }))).toBe("invalid_encryption_keys");
  });
});

describe("withAddedKey (keys rotate)", () => {
  const root = useTempDir("gatehouse-keys-rotate-");

  it("puts a new key first and keeps the old ones for decryption, as env string and keys file", () => {
    const dataDir = join(root(), "d");
    const before = loadKeyRing({ dataDir });
    const old = before.encrypt("old secret", aadA);
    const added = before.withAddedKey();

    expect(added.keyId).not.toBe(before.currentKeyId);
    expect(added.keyRing.keyIds).toEqual([added.keyId, before.currentKeyId]);

    const fromEnv = loadKeyRing({ env: added.env, dataDir: join(root(), "unused") });
    expect(fromEnv.keyIds).toEqual([added.keyId, before.currentKeyId]);
    expect(fromEnv.decrypt(old, aadA)).toBe("old secret");
    expect(keyIdOf(fromEnv.encrypt("new", aadA))).toBe(added.keyId);

    saveKeysFile(dataDir, added.keysFileContent);
    expect(statSync(keysFilePath(dataDir)).mode & 0o777).toBe(0o600);
    const reloaded = loadKeyRing({ dataDir });
    expect(reloaded.currentKeyId).toBe(added.keyId);
    expect(reloaded.decrypt(old, aadA)).toBe("old secret");
    expect(reloaded.decrypt(added.keyRing.encrypt("new", aadA), aadA)).toBe("new");
  });

  it("a running hub's ring follows a rotated keys.json: decrypts under the new key at once, encrypts with it soon", async () => {
    const dataDir = join(root(), "running");
    // The ring looks at keys.json at most once per interval of its clock; this clock moves when told.
    let clock = 1_000_000;
    const running = loadKeyRing({ dataDir, now: () => clock });
    const oldId = running.currentKeyId;
    const rotated = running.withAddedKey(); // what `gatehouse keys rotate` does in another process
    saveKeysFile(dataDir, rotated.keysFileContent);

    // A value another hub (or the re-encryption) wrote under the new key is readable straight away.
    const written = rotated.keyRing.encrypt("re-encrypted elsewhere", aadA);
    expect(running.decrypt(written, aadA)).toBe("re-encrypted elsewhere");
    expect(running.keyIds).toEqual([rotated.keyId, oldId]);

    // New writes move to the file's first key within the check interval, with no decrypt to prompt it.
    const again = rotated.keyRing.withAddedKey();
    saveKeysFile(dataDir, again.keysFileContent);
    expect(keyIdOf(running.encrypt("within the interval", aadB))).toBe(rotated.keyId);
    clock += KEYS_FILE_CHECK_MS;
    expect(keyIdOf(running.encrypt("new write", aadB))).toBe(again.keyId);
  });

  it("an env-configured ring never reads a file", () => {
    const ring = KeyRing.fromEnv(`a:${keyA}`);
    expect(codeOf(() => ring.decrypt(KeyRing.fromEnv(`b:${keyB}`).encrypt("x", aadA), aadA))).toBe(
      "decryption_failed",
    );
  });

  it("refuses to save keys file content it could not load back", () => {
    const dataDir = join(root(), "bad");
    expect(codeOf(() => saveKeysFile(dataDir, '{"keys": []}'))).toBe("invalid_encryption_keys");
  });
});
