// The CLI's build (bin/cliBuild.mjs) is one CommonJS file run with V8's code cache (bin/cliLoad.mjs). A package
// required at its top level loads for every command, `gatehouse --help` included: the slow ones (oidc-provider:
// about a quarter of a second, esbuild) are imported where they are first used, by src/packageImport.ts: a
// script V8 takes from its cache cannot import() itself, so no other import() may be left in it.
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { describe, expect, it } from "vitest";
import { builtCli } from "../../bin/cliBuild.mjs";

/** The packages required at the top level (esbuild writes a module's own code indented, in its wrapper). */
function topLevelRequires(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(
    /^(?:var|let|const)\s+[\w$]+\s*=\s*(?:__toESM\()?require\(["']([^"']+)["']/gm,
  )) {
    const specifier = match[1]!;
    if (!specifier.startsWith(".") && !isBuiltin(specifier)) found.add(specifier);
  }
  return [...found].sort();
}

/** import( calls outside comments: what esbuild leaves when it cannot turn one into require(). */
function dynamicImports(code: string): string[] {
  return code
    .split("\n")
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .flatMap((line) => [...line.matchAll(/(?<![\w$.])import\(([^)]*)\)/g)].map((m) => m[1]!));
}

describe("the CLI build", () => {
  it("requires no package at the top level, and imports only through importPackage", async () => {
    const entry = await builtCli();
    expect(entry).not.toBeNull();
    const code = readFileSync(entry!, "utf8");
    expect(topLevelRequires(code)).toEqual([]);
    expect(dynamicImports(code)).toEqual(["specifier"]);
    expect(code).toMatch(/importPackage\d*\("oidc-provider"\)/);
  });

  it("reads top-level requires and import() calls", () => {
    const code = [
      'var import_esbuild = __toESM(require("esbuild"), 1);',
      'var import_side = require("side-effect");',
      'var import_fs = require("node:fs");',
      '    import_better_sqlite3 = __toESM(require("better-sqlite3"), 1);',
      '  const oidc = await import("lazy-package");',
      "  // a comment naming import(x)",
      "   * @param {import('../fastify').FastifyInstance} server",
    ].join("\n");
    expect(topLevelRequires(code)).toEqual(["esbuild", "side-effect"]);
    expect(dynamicImports(code)).toEqual(['"lazy-package"']);
  });
});
