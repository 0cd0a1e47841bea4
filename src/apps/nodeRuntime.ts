/**
 * The trusted half of every TypeScript app process, bundled once per hub process from this package's own
 * sources (no app code): `sdk.mjs` (what `gatehouse/sdk` is at run time), `worker.mjs` (src/apps/worker.ts)
 * and `bundler.mjs` (src/apps/bundler/main.ts, the confined bundler), sharing chunks so that an app's
 * imports of the SDK and the worker's are the same module instances. Apps are bundled on their own with
 * `gatehouse/sdk` left as an import of sdk.mjs, so an app's bundle holds only its own code.
 *
 * The directory is public code, readable by every app's uid (0755/0644); each app's own bundle lives apart.
 */
import { chmodSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as Esbuild from "esbuild";
import type { Plugin } from "esbuild";
import { importPackage } from "../packageImport.ts";

export interface NodeRuntime {
  dir: string;
  sdk: string;
  worker: string;
  bundler: string;
  /** An empty tsconfig.json apps are compiled with (theirs is not read). */
  tsconfig: string;
  /** The real path of the node binary apps run with. */
  node: string;
  /** What the bundler process must read besides the runtime and the app: esbuild's package and binary. */
  esbuild: { packageDir: string; binary: string; binaryDir: string };
}

const source = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const require = createRequire(import.meta.url);

/** esbuild's JS API and its native binary for this platform, as real paths. */
function locateEsbuild(): NodeRuntime["esbuild"] & { main: string } {
  const main = realpathSync(require.resolve("esbuild"));
  const packageDir = dirname(dirname(main));
  const fromEsbuild = createRequire(main);
  const binaryPackage = `@esbuild/${process.platform}-${process.arch}`;
  const binary = realpathSync(
    process.env.ESBUILD_BINARY_PATH || fromEsbuild.resolve(`${binaryPackage}/bin/esbuild`),
  );
  return { main, packageDir, binary, binaryDir: dirname(dirname(binary)) };
}

/** The bundler imports esbuild; in the bundle that import names esbuild's real file (there is no node_modules). */
function esbuildAt(main: string): Plugin {
  return {
    name: "gatehouse-esbuild-external",
    setup(b) {
      b.onResolve({ filter: /^esbuild$/ }, () => ({ path: main, external: true }));
    },
  };
}

async function buildRuntime(): Promise<NodeRuntime> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-runtime-"));
  try {
    const esbuild = locateEsbuild();
    const { build } = await importPackage<typeof Esbuild>("esbuild");
    await build({
      entryPoints: {
        sdk: source("../sdk/index.ts"),
        worker: source("./worker.ts"),
        bundler: source("./bundler/main.ts"),
      },
      bundle: true,
      splitting: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outdir: dir,
      outExtension: { ".js": ".mjs" },
      chunkNames: "chunk-[hash]",
      sourcemap: "inline",
      plugins: [esbuildAt(esbuild.main)],
      logLevel: "silent",
    });
    writeFileSync(join(dir, "app-tsconfig.json"), "{}\n");
    chmodSync(dir, 0o755);
    for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644);
    return {
      dir,
      sdk: join(dir, "sdk.mjs"),
      worker: join(dir, "worker.mjs"),
      bundler: join(dir, "bundler.mjs"),
      tsconfig: join(dir, "app-tsconfig.json"),
      node: realpathSync(process.execPath),
      esbuild: { packageDir: esbuild.packageDir, binary: esbuild.binary, binaryDir: esbuild.binaryDir },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

let runtime: Promise<NodeRuntime> | null = null;

/** The runtime of this hub process, built on first use and removed when the process exits. */
export function nodeRuntime(): Promise<NodeRuntime> {
  if (!runtime) {
    runtime = buildRuntime();
    runtime.then(
      (built) => process.once("exit", () => rmSync(built.dir, { recursive: true, force: true })),
      () => (runtime = null),
    );
  }
  return runtime;
}
