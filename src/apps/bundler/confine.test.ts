/**
 * The bundler's own confinement (what holds where the host has no sandbox): every import form that reaches
 * outside the app directory fails the build naming the import. In-process esbuild on the hostile templates
 * of test/fixtures/hostile/imports; no servers.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAppBundle } from "./confine.ts";

const TEMPLATES = fileURLToPath(new URL("../../../test/fixtures/hostile/imports", import.meta.url));
const SECRET = `secret-${Math.random().toString(36).slice(2)}`;

let root: string;
let secretFile: string;
let databaseFile: string;
let tsconfig: string;

function app(name: string): string {
  const dir = join(root, "apps", name);
  cpSync(join(TEMPLATES, name), dir, { recursive: true });
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    const text = readFileSync(path, "utf8")
      .replaceAll("__REL_TARGET__", relative(dir, secretFile))
      .replaceAll("__TARGET__", secretFile)
      .replaceAll("__DATABASE__", databaseFile);
    writeFileSync(path, text);
    if (file.endsWith(".template")) renameSync(path, path.slice(0, -".template".length));
  }
  return dir;
}

const bundle = (dir: string) =>
  buildAppBundle({ appDir: dir, entry: join(dir, "app.ts"), sdkModule: "/runtime/sdk.mjs", tsconfig }, build);

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-confine-")));
  secretFile = join(root, "keys.json");
  writeFileSync(secretFile, JSON.stringify({ keys: [{ key: SECRET }] }));
  databaseFile = join(root, "hub.db");
  writeFileSync(`${databaseFile}-wal`, SECRET);
  tsconfig = join(root, "empty-tsconfig.json");
  writeFileSync(tsconfig, "{}");
  mkdirSync(join(root, "apps", "node_modules", "outside-package"), { recursive: true });
  writeFileSync(
    join(root, "apps", "node_modules", "outside-package", "index.js"),
    `export default "${SECRET}";`,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("buildAppBundle refuses every import that leaves the app directory", () => {
  it.each([
    ["import-text", () => secretFile],
    ["import-json", () => secretFile],
    ["import-bytes", () => `${databaseFile}-wal`],
    ["import-require", () => secretFile],
    ["import-dynamic", () => secretFile],
  ])("%s, naming the import", async (name, target) => {
    const result = await bundle(app(name));
    expect(result).toEqual({
      ok: false,
      message: expect.stringContaining(
        `import "${target()}" resolves to ${target()}, outside the app directory`,
      ),
    });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it("require.resolve stays a call at run time (where the sandbox answers it): the bundle holds none of the file", async () => {
    const result = await bundle(app("import-require-resolve"));
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it("a relative path climbing out with ..", async () => {
    const dir = app("import-dotdot");
    const result = await bundle(dir);
    expect(result).toEqual({
      ok: false,
      message: expect.stringContaining(
        `import "${relative(dir, secretFile)}" resolves to ${secretFile}, outside`,
      ),
    });
  });

  it("a file of the app that is a link out of it (the load refuses the link before; this is the second wall)", async () => {
    const dir = app("import-link");
    symlinkSync(secretFile, join(dir, "secret.json"));
    const result = await bundle(dir);
    expect(result).toEqual({
      ok: false,
      message: expect.stringContaining(
        `import "./secret.json" resolves to ${secretFile}, outside the app directory`,
      ),
    });
  });

  it("a package from a node_modules above the app directory", async () => {
    const result = await bundle(app("import-parent-package"));
    expect(result).toEqual({
      ok: false,
      message: expect.stringMatching(
        /import "outside-package" resolves to .*node_modules\/outside-package\/index\.js, outside/,
      ),
    });
  });

  it("tsconfig.json paths and extends: the app's tsconfig is not read", async () => {
    const result = await bundle(app("import-tsconfig"));
    expect(result).toEqual({ ok: false, message: expect.stringContaining('Could not resolve "secret"') });
  });

  it("package.json imports mapping out of the directory", async () => {
    const result = await bundle(app("import-package-imports"));
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toMatch(/#secret/);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});

describe("buildAppBundle bundles what is the app's own", () => {
  it("its files of every loader, its node_modules and links inside it; gatehouse/sdk and node: stay imports", async () => {
    const dir = join(root, "apps", "own");
    mkdirSync(join(dir, "node_modules", "own-package"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "own-package", "index.js"), "module.exports = 'from-package';");
    writeFileSync(join(dir, "note.txt"), "from-text");
    writeFileSync(join(dir, "data.json"), '{"from":"json"}');
    symlinkSync("note.txt", join(dir, "linked.txt"));
    writeFileSync(
      join(dir, "app.ts"),
      [
        'import { defineApp } from "gatehouse/sdk";',
        'import { readFileSync } from "node:fs";',
        'import note from "./note.txt";',
        'import linked from "./linked.txt" with { type: "text" };',
        'import data from "./data.json";',
        'const pkg = require("own-package");',
        "export default { defineApp, readFileSync, note, linked, data, pkg };",
      ].join("\n"),
    );
    const result = await bundle(dir);
    if (!result.ok) throw new Error(result.message);
    for (const text of ["from-text", "from-package", '"json"']) expect(result.code).toContain(text);
    expect(result.code).toMatch(/from "\/runtime\/sdk\.mjs"/);
    expect(result.code).toMatch(/from "node:fs"/);
  });
});
