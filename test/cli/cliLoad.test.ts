// bin/cliLoad.mjs: the CLI's build runs with V8's code cache beside it. Each load is its own Node process (a
// cache is per process and written as it exits), on a small CommonJS file like the build.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOADER_IMPORT } from "../../src/packageImport.ts";

const LOADER = fileURLToPath(new URL("../../bin/cliLoad.mjs", import.meta.url));

/** Functions enough that a cache made after calling them all is larger than one made before. */
const BUILD = [
  "const { createHash } = require('node:crypto');",
  ...Array.from(
    { length: 300 },
    (_, i) => `function f${i}(x) { let s = 0; for (let j = 0; j < x; j++) s += j * ${i}; return s; }`,
  ),
  `exports.all = () => [${Array.from({ length: 300 }, (_, i) => `f${i}(3)`).join(", ")}].length;`,
  "exports.hash = (s) => createHash('sha256').update(s).digest('hex').slice(0, 8);",
  "exports.dir = __dirname;",
  // What src/packageImport.ts does in the real build.
  `exports.importPackage = (specifier) => globalThis[Symbol.for(${JSON.stringify(LOADER_IMPORT.description)})](specifier);`,
].join("\n");

let dir: string;
let entry: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-load-"));
  entry = join(dir, "cli.cjs");
  writeFileSync(entry, BUILD);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Loads the build in a new process; `waitForCacheOtherThan` keeps it alive until the cache's size changes from it. */
function load(options: { callAll?: boolean; longRunningMs?: number; waitForCacheOtherThan?: number } = {}) {
  const script = `
    import { statSync } from "node:fs";
    import { loadCli } from ${JSON.stringify(LOADER)};
    const { exports, cache } = loadCli(${JSON.stringify(entry)}, { longRunningMs: ${options.longRunningMs ?? 60_000} });
    if (${options.callAll ?? false}) exports.all();
    const toml = await exports.importPackage("smol-toml");
    const imported = toml.parse('a = "b"').a;
    process.stdout.write(JSON.stringify({ cache, hash: exports.hash("x"), dir: exports.dir, imported }));
    const size = () => { try { return statSync(${JSON.stringify(`${entry}.v8cache`)}).size; } catch { return -1; } };
    const other = ${options.waitForCacheOtherThan ?? "null"};
    if (other !== null) await new Promise((resolve) => { const t = setInterval(() => size() !== other && resolve(clearInterval(t)), 5); });
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return JSON.parse(out) as { cache: string; hash: string; dir: string; imported: string };
}

const cacheSize = () => statSync(`${entry}.v8cache`).size;

describe("loading the CLI build with V8's code cache", () => {
  it("makes the cache on the first run and uses it on the next, with the same results", () => {
    const first = load();
    // A package imported the build's way, an ES module: from the cache too.
    expect(first).toMatchObject({ cache: "none", dir, imported: "b" });
    expect(cacheSize()).toBeGreaterThan(0);
    const second = load();
    expect(second).toEqual({ ...first, cache: "used" });
  });

  it("makes a rejected cache again: another build's, or garbage", () => {
    load();
    writeFileSync(`${entry}.v8cache`, Buffer.alloc(4096, 7));
    expect(load().cache).toBe("rejected");
    expect(load().cache).toBe("used");
    // A changed build: V8 checks the cache against the source.
    writeFileSync(entry, `${BUILD}\nexports.more = 1;`);
    expect(load().cache).toBe("rejected");
    expect(load().cache).toBe("used");
  });

  it("lets a long-running command replace a short one's cache, once", () => {
    load();
    const small = cacheSize();
    load({ callAll: true, longRunningMs: 0, waitForCacheOtherThan: small });
    const large = cacheSize();
    expect(large).toBeGreaterThan(small * 1.1);
    // Not replaced again: a long-running command made it.
    expect(load({ longRunningMs: 0 }).cache).toBe("used");
    expect(cacheSize()).toBe(large);
  });

  it("still runs the command where the cache cannot be written, and leaves no scratch", () => {
    // A directory where the cache goes: it cannot be read or replaced (by root too, unlike a read-only one).
    mkdirSync(`${entry}.v8cache`);
    const result = load({ longRunningMs: 0 });
    expect(result.cache).toBe("none");
    expect(result.hash).toHaveLength(8);
    expect(readdirSync(dir).sort()).toEqual(["cli.cjs", "cli.cjs.v8cache"]);
  });
});
