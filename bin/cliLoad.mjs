// Runs the CLI's build (bin/cliBuild.mjs) with V8's code cache beside it, so a command does not compile
// 5 MB of JavaScript again each time it starts. Compiling the build was about half of `gatehouse --help`
// (400 ms → 210 ms with the cache) and a quarter of a hub's start to /readyz (780 ms → 450–530 ms on this
// machine; bench cold_start_ms). Node 20 caches neither ES modules nor CommonJS files on its own (22's
// module.enableCompileCache() does), so the build is CommonJS run through vm.Script, the one API that takes
// a cache on every Node the project supports.
//
// The cache is V8's own format: V8 checks it against the source and its flags and rejects it otherwise (then
// it is made again). It is written beside the build, which is as trusted as the build itself.
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/** A process still running this long is a long-running command (start, emulate, dev): its cache covers more. */
const LONG_RUNNING_MS = 1_000;
/** A long-running command replaces the cache when its own is this much larger (more functions compiled). */
const LARGER_BY = 1.1;

/**
 * Runs the build; returns its exports and what became of the cache ("none" yet, "rejected" by V8, "used").
 * The cache is made when missing or rejected, as the command exits or once it has run `longRunningMs`,
 * whichever is first; a long-running command replaces a smaller one (a `--help` compiles little).
 */
export function loadCli(entry, { longRunningMs = LONG_RUNNING_MS } = {}) {
  const cachePath = `${entry}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    // Not made yet.
  }
  // The same wrapper as Node's for a CommonJS file: the build is one.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(entry, "utf8")}\n})`;
  // V8 drops what Node needs for import() from a script it takes from a cache ("A dynamic import callback
  // was not specified"): the build imports packages through this one instead (src/packageImport.ts).
  globalThis[Symbol.for("gatehouse.cliLoad.import")] ??= (specifier) => import(specifier);
  const script = new Script(source, { filename: entry, cachedData });
  const module = { exports: {}, filename: entry, id: entry, loaded: false };
  script.runInThisContext()(module.exports, createRequire(entry), module, entry, dirname(entry));
  module.loaded = true;
  const cache = cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "used";
  let offered = false;
  const offer = (unlessAtLeast) => {
    if (offered) return;
    offered = true;
    saveCache(script, cachePath, unlessAtLeast);
  };
  if (cache !== "used") process.once("exit", () => offer(0));
  const replaceBelow = cache === "used" ? cachedData.length * LARGER_BY : 0;
  setTimeout(() => offer(replaceBelow), longRunningMs).unref();
  return { exports: module.exports, cache };
}

/** Writes the script's cache unless the one on disk is at least `unlessAtLeast` bytes; never fails a command. */
function saveCache(script, cachePath, unlessAtLeast) {
  try {
    if (unlessAtLeast > 0 && sizeOf(cachePath) >= unlessAtLeast) return;
    const data = script.createCachedData();
    if (unlessAtLeast > 0 && data.length < unlessAtLeast) return;
    // Written aside and renamed into place: commands started at once never read half a cache.
    const scratch = `${cachePath}.${process.pid}`;
    try {
      writeFileSync(scratch, data);
      renameSync(scratch, cachePath);
    } catch {
      rmSync(scratch, { force: true });
    }
  } catch {
    // A read-only checkout: the next command compiles again.
  }
}

function sizeOf(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
