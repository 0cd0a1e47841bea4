// The CLI as one esbuild build of src/, kept in node_modules/.cache/gatehouse-cli/<stamp>/ and made again
// when a source file changes. Loading the sources through tsx's loader costs every module a round trip
// to the loader's thread: a hub took about three times as long to answer /readyz (bench cold_start_ms).
//
// The build is plain JavaScript from the same sources, packages left to node_modules. Each module keeps
// its own `import.meta.url` (the path of its source file), so the paths the code computes from it (the
// web UI, the SDK, the examples, the Python runtime) are the same as when run from source.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(ROOT, "src");
const CACHE = join(ROOT, "node_modules", ".cache", "gatehouse-cli");
const ENTRY = "src/cli/main.ts";
/** Builds older than this, other than the current one, are removed (a running CLI may still load chunks). */
const KEEP_OLD_MS = 24 * 3600_000;

/** What the build depends on: every source file's path, size and time, the lock file, and Node's version. */
function stamp() {
  const hash = createHash("sha256").update(`${process.version}\0${ROOT}\0`);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !entry.name.endsWith(".test.ts")) {
        const { size, mtimeMs } = statSync(path);
        hash.update(`${relative(ROOT, path)}\0${size}\0${mtimeMs}\0`);
      }
    }
  };
  walk(SRC);
  for (const file of ["package.json", "package-lock.json"]) {
    try {
      const { size, mtimeMs } = statSync(join(ROOT, file));
      hash.update(`${file}\0${size}\0${mtimeMs}\0`);
    } catch {
      // No lock file in some checkouts.
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** Gives each module its own source file's URL for `import.meta.url`. */
const ownMetaUrl = {
  name: "gatehouse-own-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, "utf8")).replaceAll(
        "import.meta.url",
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: "ts",
    }));
  },
};

async function buildInto(dir) {
  const { build } = await import("esbuild");
  await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: ENTRY },
    outdir: dir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // Chunks: a command loads only what it imports (`gatehouse start` never loads the emulators' server).
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: "silent",
    plugins: [ownMetaUrl],
  });
}

/** Removes other builds a day old (a CLI loads its chunks as it starts) and scratch left by a crash. */
function removeOldBuilds(current) {
  for (const name of readdirSync(CACHE)) {
    if (name === current) continue;
    const path = join(CACHE, name);
    try {
      const age = Date.now() - statSync(path).mtimeMs;
      if (age > (name.startsWith("tmp-") ? 600_000 : KEEP_OLD_MS))
        rmSync(path, { recursive: true, force: true });
    } catch {
      // Another CLI removed it first.
    }
  }
}

/**
 * The built CLI's entry for the sources as they are now (made first if needed), or null: run the sources
 * through tsx (GATEHOUSE_FROM_SOURCE=1, or the build could not be made — a read-only checkout, say).
 */
export async function builtCli() {
  if (process.env.GATEHOUSE_FROM_SOURCE === "1") return null;
  try {
    const current = stamp();
    const dir = join(CACHE, current);
    const entry = join(dir, "cli.mjs");
    try {
      statSync(entry);
      return pathToFileURL(entry).href;
    } catch {
      // Not built yet for these sources.
    }
    mkdirSync(CACHE, { recursive: true });
    // Built aside and renamed into place: CLIs started at once (tests, a process manager) never see half.
    const scratch = join(CACHE, `tmp-${process.pid}-${Date.now()}`);
    await buildInto(scratch);
    try {
      renameSync(scratch, dir);
    } catch {
      // Another CLI renamed its build of the same sources first: use that one.
      rmSync(scratch, { recursive: true, force: true });
    }
    removeOldBuilds(current);
    return pathToFileURL(entry).href;
  } catch (error) {
    process.stderr.write(`gatehouse: running from source (the build failed: ${error?.message ?? error})\n`);
    return null;
  }
}
