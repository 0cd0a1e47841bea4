// Runs the CLI's build (bin/cliBuild.mjs) with V8's code cache beside it, so a command does not compile
// 5 MB of JavaScript again each time it starts. Compiling the build was about half of `gatehouse --help`
// (400 ms → 210 ms with the cache) and a quarter of a hub's start to /readyz (780 ms → 450–530 ms on this
// machine; bench cold_start_ms). Node 20 caches neither ES modules nor CommonJS files on its own (22's
// module.enableCompileCache() does), so the build is CommonJS run through vm.Script, the one API that takes
// a cache on every Node the project supports.
//
// The cache is V8's own format: V8 checks it against the source and its flags and rejects it otherwise (then
// it is made again). It is written beside the build, which is as trusted as the build itself.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/** A process still running this long is a long-running command (start, emulate, dev): its cache covers more. */
const LONG_RUNNING_MS = 1_000;
/** The cache file's first byte: who made it. V8's data follows. */
const MADE_BY_SHORT = 0;
const MADE_BY_LONG_RUNNING = 1;

/**
 * Runs the build; returns its exports and what became of the cache ("none" yet, "rejected" by V8, "used").
 * The cache is made when missing or rejected, as the command exits or once it has run `longRunningMs`,
 * whichever is first; a long-running command replaces one a short command made (a `--help` compiles little,
 * and a hub started about 110 ms sooner from a hub's cache than from a `--help`'s).
 */
export function loadCli(entry, { longRunningMs = LONG_RUNNING_MS } = {}) {
  const cachePath = `${entry}.v8cache`;
  const stored = readCache(cachePath);
  // The same wrapper as Node's for a CommonJS file: the build is one.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(entry, "utf8")}\n})`;
  // V8 drops what Node needs for import() from a script it takes from a cache ("A dynamic import callback
  // was not specified"): the build imports packages through this one instead (src/packageImport.ts).
  globalThis[Symbol.for("gatehouse.cliLoad.import")] ??= (specifier) => import(specifier);
  const script = new Script(source, { filename: entry, cachedData: stored?.data });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(entry), module, entry, dirname(entry));
  const cache = stored === null ? "none" : script.cachedDataRejected ? "rejected" : "used";
  if (cache !== "used" || stored.madeBy !== MADE_BY_LONG_RUNNING) {
    let saved = false;
    const save = (madeBy) => {
      if (saved) return;
      saved = true;
      saveCache(script, cachePath, madeBy);
    };
    if (cache !== "used") process.once("exit", () => save(MADE_BY_SHORT));
    setTimeout(() => save(MADE_BY_LONG_RUNNING), longRunningMs).unref();
  }
  return { exports: module.exports, cache };
}

function readCache(path) {
  try {
    const file = readFileSync(path);
    return file.length > 1 ? { madeBy: file[0], data: file.subarray(1) } : null;
  } catch {
    return null; // not made yet
  }
}

/** Writes the script's cache; never fails a command. */
function saveCache(script, cachePath, madeBy) {
  // Written aside and renamed into place: commands started at once never read half a cache.
  const scratch = `${cachePath}.${process.pid}`;
  try {
    writeFileSync(scratch, Buffer.concat([Buffer.from([madeBy]), script.createCachedData()]));
    renameSync(scratch, cachePath);
  } catch {
    // A read-only checkout: the next command compiles again.
    rmSync(scratch, { force: true });
  }
}
