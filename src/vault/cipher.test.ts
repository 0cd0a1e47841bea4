import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GatehouseError } from "../errors.ts";
import { openWithKey, parseCiphertext, sealWithKey } from "./cipher.ts";

const key = randomBytes(32);

function failsToOpen(value: string, aad: string): boolean {
  try {
    openWithKey(key, parseCiphertext(value), aad);
    return false;
  } catch (error) {
    return error instanceof GatehouseError && error.code === "decryption_failed";
  }
}

describe("AES-256-GCM sealing", () => {
  it("opens what it sealed, for any text and any associated data", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.string({ maxLength: 100 }),
        (plain, aad) => {
          expect(openWithKey(key, parseCiphertext(sealWithKey(key, "k1", plain, aad)), aad)).toBe(plain);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses any other associated data", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (plain, aad, other) => {
        fc.pre(aad !== other);
        expect(failsToOpen(sealWithKey(key, "k1", plain, aad), other)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses any single flipped bit in nonce, ciphertext or tag", () => {
    const sealed = sealWithKey(key, "k1", "a token worth protecting", "connections:c1:access_token");
    const [version, keyId, nonce, body] = sealed.split(".") as [string, string, string, string];
    const bytes = Buffer.concat([Buffer.from(nonce, "base64url"), Buffer.from(body, "base64url")]);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = Buffer.from(bytes);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const value = [
        version,
        keyId,
        flipped.subarray(0, 12).toString("base64url"),
        flipped.subarray(12).toString("base64url"),
      ].join(".");
      expect(failsToOpen(value, "connections:c1:access_token")).toBe(true);
    }
  });

  it("refuses another key", () => {
    const sealed = sealWithKey(key, "k1", "secret", "aad");
    expect(() => openWithKey(randomBytes(32), parseCiphertext(sealed), "aad")).toThrow(
      /failed authentication/,
    );
  });

  it("rejects keys of the wrong size and invalid key ids when sealing", () => {
    expect(() => sealWithKey(randomBytes(16), "k1", "x", "aad")).toThrow(/32 bytes/);
    expect(() => sealWithKey(key, "has.dot", "x", "aad")).toThrow(/key id/);
  });
});
