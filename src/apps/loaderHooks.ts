import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * What every app process preloads (`node --import <this>`): TypeScript through tsx, then a resolve hook
 * registered after tsx (so it runs first) with two jobs:
 * - `import … from "gatehouse/sdk"` works from an app directory anywhere on disk, with no node_modules of its
 *   own, by pointing at this package's SDK source;
 * - an app's .ts files are ES modules even where no package.json says "type": "module" (an app directory on
 *   its own has none, and Node would otherwise treat them as CommonJS).
 * Both are data: URLs so that no plain-JS file has to live in the source tree.
 */
const SDK_URL = new URL("../sdk/index.ts", import.meta.url).href;

/** tsx's ESM API entry (its `import` condition: the CommonJS one registers the wrong hooks file). */
function tsxApiUrl(): string {
  const packageJson = createRequire(import.meta.url).resolve("tsx/package.json");
  const manifest = JSON.parse(readFileSync(packageJson, "utf8")) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const entry = manifest.exports["./esm/api"]?.import?.default ?? "./dist/esm/api/index.mjs";
  return pathToFileURL(join(dirname(packageJson), entry)).href;
}
const TSX_API_URL = tsxApiUrl();

const RESOLVE_HOOK = `
const SDK_URL = ${JSON.stringify(SDK_URL)};
const TS_FILE = /\\.tsx?$/;
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "gatehouse/sdk") return { url: SDK_URL, format: "module", shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.startsWith("file:") && TS_FILE.test(new URL(resolved.url).pathname) &&
      !resolved.url.includes("/node_modules/") &&
      (resolved.format === "commonjs" || resolved.format === "commonjs-typescript" || resolved.format == null)) {
    return { ...resolved, format: "module" };
  }
  return resolved;
}
`;

const dataUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

const BOOTSTRAP = `
import { register } from "node:module";
import { register as registerTsx } from ${JSON.stringify(TSX_API_URL)};
registerTsx();
register(${JSON.stringify(dataUrl(RESOLVE_HOOK))});
`;

/** The `--import` argument for app processes. */
export const APP_PROCESS_IMPORT = dataUrl(BOOTSTRAP);
