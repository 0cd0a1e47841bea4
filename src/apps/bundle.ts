import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Message } from "esbuild";
import type { AppSpec } from "./config.ts";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
const SDK = fileURLToPath(new URL("../sdk/index.ts", import.meta.url));

/** An app bundled for its process: one ES module holding the worker, the SDK and the app's code. */
export interface AppBundle {
  file: string;
  /** Removes the bundle's temporary directory. */
  dispose(): void;
}

/** A bundling failure, with the file and position esbuild reported. */
export class AppBundleError extends Error {}

function describe(message: Message, dir: string): string {
  const at = message.location
    ? `${relative(dir, message.location.file) || message.location.file}:${message.location.line}:${message.location.column + 1}: `
    : "";
  return `${at}${message.text}`;
}

/**
 * Bundles an app with esbuild in the hub process: TypeScript compiled, `gatehouse/sdk` pointing at this
 * package's SDK (so an app directory anywhere, without node_modules, works), the app's own imports
 * included. The app process then runs plain JavaScript from one file and needs no loader hooks, no child
 * processes and no read access beyond the bundle and its own directory — which lets it run under Node's
 * permission model. The entry is imported lazily so that an error thrown at import is reported, not fatal.
 */
export async function bundleApp(spec: AppSpec): Promise<AppBundle> {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-app-${spec.name}-`));
  const file = join(dir, "app.mjs");
  try {
    await build({
      stdin: {
        contents:
          `import { runAppProcess } from ${JSON.stringify(WORKER)};\n` +
          `await runAppProcess(() => import(${JSON.stringify(spec.entryPath)}));\n`,
        resolveDir: spec.dir,
        sourcefile: "gatehouse-app-main.ts",
        loader: "ts",
      },
      absWorkingDir: spec.dir,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: file,
      sourcemap: "inline",
      alias: { "gatehouse/sdk": SDK },
      // CommonJS dependencies of an app still find `require` inside the ES module bundle.
      banner: {
        js: 'import { createRequire as __gatehouseRequire } from "node:module"; const require = __gatehouseRequire(import.meta.url);',
      },
      logLevel: "silent",
      write: true,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const errors = (err as { errors?: Message[] }).errors;
    const text = errors?.length
      ? errors
          .slice(0, 3)
          .map((m) => describe(m, spec.dir))
          .join("; ")
      : (err as Error).message;
    throw new AppBundleError(text);
  }
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
