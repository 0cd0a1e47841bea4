// The CLI's build (bin/cliBuild.mjs) is one file, so each package it imports statically is loaded by every
// command, `gatehouse --help` included. Only what every command may need belongs there; the slow ones
// (oidc-provider: about a quarter of a second, esbuild) are imported where they are first used.
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtCli } from "../../bin/cliBuild.mjs";

/** The embedded database, the default store of every command that opens one. */
const EVERY_COMMAND = ["better-sqlite3"];

/** The packages a module's top-level `import` statements name (esbuild writes them at the line start). */
function staticImports(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(/^import\s+(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm)) {
    const specifier = match[1]!;
    if (!specifier.startsWith(".") && !isBuiltin(specifier)) found.add(specifier);
  }
  return [...found].sort();
}

describe("the CLI build", () => {
  it("imports statically only the packages every command needs", async () => {
    const entry = await builtCli();
    expect(entry).not.toBeNull();
    const code = readFileSync(fileURLToPath(entry!), "utf8");
    expect(staticImports(code)).toEqual(EVERY_COMMAND);
  });

  it("reads static imports, not dynamic ones", () => {
    const code = [
      'import { build } from "esbuild";',
      'import Provider, { errors } from "oidc-provider";',
      'import "side-effect";',
      'import { readFile } from "node:fs";',
      'import { x } from "./chunk.mjs";',
      '  const oidc = await import("lazy-package");',
    ].join("\n");
    expect(staticImports(code)).toEqual(["esbuild", "oidc-provider", "side-effect"]);
  });
});
