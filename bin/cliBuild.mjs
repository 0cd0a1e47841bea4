// The CLI as one esbuild build of src/ and the packages it uses, kept in
// node_modules/.cache/gatehouse-cli/<stamp>/ and made again when a source file changes. Loading the sources
// through tsx's loader costs every module a round trip to the loader's thread, and resolving a few hundred
// package files one by one costs as much again: a hub took about three times as long as a bare Fastify app
// to answer /readyz (bench cold_start_ms).
//
// The build is plain JavaScript from the same files. Each module keeps its own `import.meta.url`,
// `__dirname` and `__filename` (its source file's), so the paths the code computes from them (the web UI,
// the SDK, the Python runtime, a package's own files) are the same as when run from node_modules.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(ROOT, "src");
const CACHE = join(ROOT, "node_modules", ".cache", "gatehouse-cli");
const ENTRY = "src/cli/main.ts";
/** Builds older than this, other than the current one, are removed (a CLI started on one may still read it). */
const KEEP_OLD_MS = 24 * 3600_000;

/** What the build depends on: every source file's path, size and time, the lock file, this recipe, Node's version. */
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
  // The recipe (this file) too.
  for (const file of ["package.json", "package-lock.json", "bin/cliBuild.mjs"]) {
    try {
      const { size, mtimeMs } = statSync(join(ROOT, file));
      hash.update(`${file}\0${size}\0${mtimeMs}\0`);
    } catch {
      // No lock file in some checkouts.
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** Packages left to node_modules: native ones, the bundler, and those only some commands load. */
const EXTERNAL = ["better-sqlite3", "esbuild", "pg-native", "oidc-provider", "vite", "@vitejs/*", "tsx"];

/** Where a module's file is, for what it computes from `import.meta.url`, `__dirname` and `__filename`. */
const ownLocation = {
  name: "gatehouse-own-location",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, "utf8")).replaceAll(
        "import.meta.url",
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: "ts",
    }));
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!/__dirname|__filename|import\.meta\.url/.test(text)) return undefined;
      return {
        contents: text
          .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll("__dirname", JSON.stringify(dirname(args.path)))
          .replaceAll("__filename", JSON.stringify(args.path)),
        loader: "js",
      };
    });
  },
};

async function buildInto(dir) {
  const { build } = await import("esbuild");
  await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: ENTRY },
    outdir: dir,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    // One file, not chunks: split, Node's own per-request code ran slower in the hub's process (a bare
    // node:http handler in it answered a third fewer requests, 7–12% of its CPU in V8's
    // Runtime_DefineKeyedOwnPropertyInLiteral; none from one file), and a warm token read was 25% slower. A
    // command still runs only its own code (esbuild initialises a dynamically imported module when first
    // imported), but a package required at the top level loads for every command: the slow ones are imported
    // where first used, and test/cli/build.test.ts holds that no package is.
    splitting: false,
    // CommonJS, for V8's code cache (cliLoad.mjs). A package left out is loaded by require() or, where first
    // used, by src/packageImport.ts (a script from the cache cannot import() itself).
    format: "cjs",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    sourcemap: "linked",
    logLevel: "silent",
    plugins: [ownLocation],
  });
}

/** Removes other builds a day old and scratch left by a crash. */
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
 * The path of the built CLI (cli.cjs, run by cliLoad.mjs) for the sources as they are now (made first if
 * needed), or null: run the sources through tsx (GATEHOUSE_FROM_SOURCE=1, or the build could not be made — a
 * read-only checkout, say).
 */
export async function builtCli() {
  if (process.env.GATEHOUSE_FROM_SOURCE === "1") return null;
  try {
    const current = stamp();
    const dir = join(CACHE, current);
    const entry = join(dir, "cli.cjs");
    try {
      statSync(entry);
      return entry;
    } catch {
      // Not built yet for these sources.
    }
    mkdirSync(CACHE, { recursive: true });
    // Built aside and renamed into place: CLIs started at once (tests, a process manager) never see half.
    const scratch = join(CACHE, `tmp-${process.pid}-${Date.now()}`);
    if (process.stderr.isTTY)
      process.stderr.write("gatehouse: building the CLI from src/ (after a change)…\n");
    await buildInto(scratch);
    try {
      renameSync(scratch, dir);
    } catch {
      // Another CLI renamed its build of the same sources first: use that one.
      rmSync(scratch, { recursive: true, force: true });
    }
    removeOldBuilds(current);
    return entry;
  } catch (error) {
    process.stderr.write(`gatehouse: running from source (the build failed: ${error?.message ?? error})\n`);
    return null;
  }
}
