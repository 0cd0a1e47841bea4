// Module resolve hook for app processes. Two jobs:
// - `import … from "gatehouse/sdk"` works from an app directory anywhere on disk, with no node_modules of
//   its own, by pointing at this package's SDK source;
// - an app's .ts files are ES modules even where no package.json says "type": "module" (an app directory
//   on its own has none, and Node would otherwise treat them as CommonJS).
const SDK_URL = new URL("../sdk/index.ts", import.meta.url).href;
const TS_FILE = /\.tsx?$/;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "gatehouse/sdk") return { url: SDK_URL, format: "module", shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  if (
    resolved.url.startsWith("file:") &&
    TS_FILE.test(new URL(resolved.url).pathname) &&
    !resolved.url.includes("/node_modules/") &&
    (resolved.format === "commonjs" || resolved.format === "commonjs-typescript" || resolved.format == null)
  ) {
    return { ...resolved, format: "module" };
  }
  return resolved;
}
