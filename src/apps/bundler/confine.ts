/**
 * Bundling an app's TypeScript with esbuild, confined to the app's directory: every import, whatever its
 * form (static, dynamic, `require`, `require.resolve`, with import attributes, relative, absolute, `..`,
 * through package.json "imports" or links), must resolve to a real path inside the app directory's real
 * path; `gatehouse/sdk` and Node's built-in modules are left as imports. Anything else fails the build
 * naming the import. The app's tsconfig.json is not read (its `extends` and `paths` could name any file).
 *
 * This runs in the sandbox (src/apps/bundler/main.ts), where nothing else is mounted anyway, and in the hub
 * itself where the host has no sandbox; the rules are the same in both.
 */
import { realpathSync } from "node:fs";
import { isBuiltin } from "node:module";
import { isAbsolute, relative, resolve } from "node:path";
import { isInside } from "../paths.ts";
import type * as Esbuild from "esbuild";
import type { Message, PartialMessage, Plugin } from "esbuild";

export interface AppBuildRequest {
  /** The app directory's real path. */
  appDir: string;
  /** The entry module's real path (inside appDir). */
  entry: string;
  /** What `gatehouse/sdk` is at run time: the runtime's sdk.mjs. */
  sdkModule: string;
  /** An empty tsconfig.json to compile with, instead of any the app directory holds. */
  tsconfig: string;
}

export type AppBuildResult = { ok: true; code: string } | { ok: false; message: string };

const SDK_SPECIFIER = "gatehouse/sdk";
/** Namespaces whose content is the import text itself (data: URLs), not a file. */
const CONTENT_NAMESPACES = new Set(["dataurl"]);
const MAX_REPORTED_ERRORS = 3;

const isPathSpecifier = (specifier: string) => isAbsolute(specifier) || /^\.\.?(\/|$)/.test(specifier);

function outside(specifier: string, target: string): { errors: PartialMessage[] } {
  return {
    errors: [
      {
        text: `import "${specifier}" resolves to ${target}, outside the app directory; an app imports only its own files, its node_modules and ${SDK_SPECIFIER}`,
      },
    ],
  };
}

function confineTo(appDir: string, sdkModule: string): Plugin {
  return {
    name: "gatehouse-confine",
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if ((args.pluginData as { confined?: boolean } | undefined)?.confined) return undefined;
        if (args.path === SDK_SPECIFIER) return { path: sdkModule, external: true };
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        // A path that leaves the directory as written is refused before anything is looked up there.
        if (isPathSpecifier(args.path) && args.resolveDir) {
          const written = resolve(args.resolveDir, args.path);
          if (!isInside(appDir, written)) return outside(args.path, written);
        }
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          namespace: args.namespace,
          resolveDir: args.resolveDir,
          with: args.with,
          pluginData: { confined: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (CONTENT_NAMESPACES.has(resolved.namespace)) return resolved;
        if (resolved.external || resolved.namespace !== "file") {
          return { errors: [{ text: `import "${args.path}" is not a file of the app` }] };
        }
        let real: string;
        try {
          real = realpathSync(resolved.path);
        } catch {
          return { errors: [{ text: `import "${args.path}" names ${resolved.path}, which cannot be read` }] };
        }
        if (!isInside(appDir, real)) return outside(args.path, real);
        return { path: real, namespace: "file", sideEffects: resolved.sideEffects, suffix: resolved.suffix };
      });
    },
  };
}

function describe(message: Message, dir: string): string {
  const at = message.location
    ? `${relative(dir, message.location.file) || message.location.file}:${message.location.line}:${message.location.column + 1}: `
    : "";
  return `${at}${message.text}`;
}

/**
 * Bundles the app into one ES module (its code only); answers the code, or the first errors as one line.
 * `build` is esbuild's, loaded by the caller: the hub through importPackage, the bundler process by an
 * import() its runtime's build points at esbuild's own file (there is no node_modules in its sandbox).
 */
export async function buildAppBundle(
  request: AppBuildRequest,
  build: typeof Esbuild.build,
): Promise<AppBuildResult> {
  try {
    const output = await build({
      entryPoints: [request.entry],
      absWorkingDir: request.appDir,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: "app.mjs",
      write: false,
      sourcemap: "inline",
      tsconfig: request.tsconfig,
      nodePaths: [],
      plugins: [confineTo(request.appDir, request.sdkModule)],
      // CommonJS dependencies of an app still find `require` inside the ES module bundle.
      banner: {
        js: 'import { createRequire as __gatehouseRequire } from "node:module"; const require = __gatehouseRequire(import.meta.url);',
      },
      logLevel: "silent",
    });
    const files = output.outputFiles;
    const main = files.find((file) => file.path.endsWith(".mjs"));
    if (!main || files.length !== 1) {
      return {
        ok: false,
        message: "the app imports files esbuild would copy beside the bundle (the file loader)",
      };
    }
    return { ok: true, code: main.text };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    const message = errors?.length
      ? errors
          .slice(0, MAX_REPORTED_ERRORS)
          .map((m) => describe(m, request.appDir))
          .join("; ")
      : (err as Error).message;
    return { ok: false, message };
  }
}
