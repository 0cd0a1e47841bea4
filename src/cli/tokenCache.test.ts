import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cacheFileName,
  configDir,
  listEntries,
  readEntry,
  withFileLock,
  writeEntry,
  type CachedTokens,
} from "./tokenCache.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gh-token-cache-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const entry = (overrides: Partial<CachedTokens> = {}): CachedTokens => ({
  version: 1,
  grant: "authorization_code",
  provider: "bentley-itwin",
  issuer: "https://ims.bentley.com",
  clientId: "native-1",
  scopes: ["itwin-platform", "offline_access"],
  tokenUrl: "https://ims.bentley.com/connect/token",
  authorizationUrl: "https://ims.bentley.com/connect/authorize",
  revocationUrl: null,
  tokenEndpointAuthMethod: "none",
  accessToken: "at",
  tokenType: "Bearer",
  refreshToken: "rt",
  expiresAt: 1,
  grantedScopes: ["itwin-platform"],
  savedAt: 1,
  ...overrides,
});

describe("configDir", () => {
  it("prefers GATEHOUSE_CONFIG_DIR, then XDG_CONFIG_HOME/gatehouse, then ~/.config/gatehouse", () => {
    expect(configDir({ GATEHOUSE_CONFIG_DIR: "/a", XDG_CONFIG_HOME: "/x" })).toBe("/a");
    expect(configDir({ XDG_CONFIG_HOME: "/x" })).toBe(join("/x", "gatehouse"));
    expect(configDir({})).toMatch(/\.config[/\\]gatehouse$/);
  });
});

describe("cacheFileName", () => {
  it("ignores scope order and a trailing slash on the issuer; differs by grant, client and scopes", () => {
    const key = {
      grant: "authorization_code" as const,
      issuer: "https://i",
      clientId: "c",
      scopes: ["b", "a"],
    };
    expect(cacheFileName(key)).toBe(cacheFileName({ ...key, issuer: "https://i/", scopes: ["a", "b"] }));
    expect(cacheFileName(key)).not.toBe(cacheFileName({ ...key, grant: "client_credentials" }));
    expect(cacheFileName(key)).not.toBe(cacheFileName({ ...key, clientId: "d" }));
    expect(cacheFileName(key)).not.toBe(cacheFileName({ ...key, scopes: ["a"] }));
    expect(cacheFileName(key)).toMatch(/^[0-9a-f]{40}\.json$/);
  });
});

describe("writeEntry / readEntry / listEntries", () => {
  it("writes 0600 files in 0700 dirs, leaves no temp file, and replaces an entry in place", () => {
    const env = { GATEHOUSE_CONFIG_DIR: join(dir, "cfg") };
    const file = writeEntry(env, entry());
    writeEntry(env, entry({ accessToken: "at2" }));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "cfg")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "cfg", "tokens")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, "cfg", "tokens"))).toHaveLength(1);
    expect(readEntry(file)?.accessToken).toBe("at2");
  });

  it("skips files that are not cache entries", () => {
    const env = { GATEHOUSE_CONFIG_DIR: join(dir, "cfg") };
    writeEntry(env, entry());
    writeFileSync(join(dir, "cfg", "tokens", "junk.json"), "{not json");
    writeFileSync(join(dir, "cfg", "tokens", "other.json"), JSON.stringify({ version: 2 }));
    expect(listEntries(env).map((e) => e.entry.clientId)).toEqual(["native-1"]);
    expect(listEntries({ GATEHOUSE_CONFIG_DIR: join(dir, "missing") })).toEqual([]);
  });
});

describe("withFileLock", () => {
  it("runs holders one at a time and removes the lock afterwards", async () => {
    const file = join(dir, "entry.json");
    const order: string[] = [];
    const holder = (name: string) =>
      withFileLock(file, async () => {
        order.push(`${name}:in`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push(`${name}:out`);
      });
    await Promise.all([holder("a"), holder("b")]);
    expect(order).toEqual(["a:in", "a:out", "b:in", "b:out"]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("releases the lock when the work throws", async () => {
    const file = join(dir, "entry.json");
    await expect(withFileLock(file, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(readdirSync(dir)).toEqual([]);
  });
});
