import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPassword, hashToken, randomToken, safeEqual, verifyPassword } from "./hashing.ts";

describe("passwords", () => {
  it("verifies the right password and rejects others", async () => {
    const encoded = await hashPassword("correct horse battery staple");
    expect(await verifyPassword("correct horse battery staple", encoded)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", encoded)).toBe(false);
    expect(await verifyPassword("", encoded)).toBe(false);
  });

  it("encodes scrypt with its parameters and a random salt, never the password", async () => {
    const a = await hashPassword("same password");
    const b = await hashPassword("same password");
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("same password");
  });

  it("verifies hashes made with other parameters (they travel with the hash)", async () => {
    const cheap = await hashPassword("pw", { logN: 10, r: 4, p: 2 });
    expect(cheap.startsWith("scrypt$10$4$2$")).toBe(true);
    expect(await verifyPassword("pw", cheap)).toBe(true);
    expect(await verifyPassword("pW", cheap)).toBe(false);
  });

  it("treats composed and decomposed unicode alike", async () => {
    const encoded = await hashPassword("caf\u00e9", { logN: 10 });
    expect(await verifyPassword("cafe\u0301", encoded)).toBe(true);
  });

  it("answers false for malformed or abusive stored hashes instead of throwing", async () => {
    for (const encoded of [
      "",
      "plain",
      "bcrypt$10$abc",
      "scrypt$15$8$1$$",
      "scrypt$99$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
      "scrypt$x$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
      "scrypt$15$8$1$c2FsdA$c2hvcnQ",
    ]) {
      expect(await verifyPassword("pw", encoded)).toBe(false);
    }
  });
});

describe("tokens", () => {
  it("hashes with SHA-256, hex", () => {
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashToken("gh_pat_x")).toBe(createHash("sha256").update("gh_pat_x").digest("hex"));
  });

  it("makes random base64url tokens of the requested size", () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(Array.from({ length: 100 }, () => randomToken())).size).toBe(100);
  });

  it("compares in constant time without throwing on different lengths", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});
