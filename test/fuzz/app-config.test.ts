// Property tests of the config loader (gatehouse.config.toml, and a VIKTOR app's viktor.config.toml;
// fast-check): random text, and random TOML built from the real keys with values of every TOML type, never
// crash the loader. Each file either loads as an app whose fields obey the documented rules, or is refused
// with AppConfigError (invalid_app_config) whose message names the file; discovering a directory of such
// apps records failures, never throws.
// Runs: GATEHOUSE_FUZZ_RUNS (default 300).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AppConfigError, readAppConfig } from "../../src/apps/config.ts";
import { discoverApps } from "../../src/apps/loader.ts";

const RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 300);
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-fuzz-toml-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const KEYS = [
  "name",
  "title",
  "description",
  "entry",
  "language",
  "oauth2_integrations",
  "registered_name",
  "app_type",
  "python_version",
];

const tomlString = fc.oneof(
  fc.string({ maxLength: 30 }).map((s) => JSON.stringify(s)), // basic string with escapes
  fc.string({ maxLength: 30 }).map((s) => `'${s.replace(/['\n\r]/g, "")}'`), // literal string
  fc.constantFrom(
    '"app.ts"',
    '"../outside.ts"',
    '"/etc/passwd.ts"',
    '"app.py"',
    '"itwin-browser"',
    '"python"',
    '"typescript"',
    '"3.13"',
    '"editor"',
    '"unterminated',
  ),
  fc.stringMatching(/^[a-z0-9_-]{0,70}$/).map((s) => `"${s}"`),
);
const tomlScalar = fc.oneof(
  tomlString,
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom("true", "false", "inf", "nan", "1979-05-27T07:32:00Z", "0x1F", "1_000"),
);
const tomlValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: tomlScalar },
  { weight: 1, arbitrary: fc.array(tomlScalar, { maxLength: 4 }).map((xs) => `[${xs.join(", ")}]`) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom(...KEYS), tomlScalar), { maxLength: 3 })
      .map((pairs) => `{ ${pairs.map(([k, v]) => `${k} = ${v}`).join(", ")} }`),
  },
);
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...KEYS), tomlValue).map(([k, v]) => `${k} = ${v}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), tomlValue)
      .map(([k, v]) => `${k} = ${v}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("[table]", "[[array]]", "# comment", "", "= 1", "name =", "[name]"),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
/** Random files, a third of them a valid base (`base`) with random lines appended. */
const tomlFileWith = (base: string[]) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.array(line, { maxLength: 8 }).map((lines) => lines.join("\n")) },
    // A valid base with random lines appended: duplicates, overrides, trailing garbage.
    {
      weight: 3,
      arbitrary: fc.array(line, { maxLength: 3 }).map((lines) => [...base, ...lines].join("\n")),
    },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  );
const BASES: Record<string, string[]> = {
  "gatehouse.config.toml": ['name = "fuzz-app"', 'entry = "app.ts"'],
  "viktor.config.toml": ['registered_name = "fuzz-app"', 'python_version = "3.13"'],
};
const tomlFile = tomlFileWith(BASES["gatehouse.config.toml"]!);

let counter = 0;
function appDir(content: string, file = "gatehouse.config.toml"): string {
  const dir = join(root, `app-${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, file), content);
  writeFileSync(join(dir, "app.ts"), "export default {};\n");
  writeFileSync(join(dir, "app.py"), "import gatehouse as vkt\n");
  return dir;
}

it.each(["gatehouse.config.toml", "viktor.config.toml"])(
  "random %s files: loaded with valid fields, or refused with invalid_app_config naming the file",
  (file) => {
    let loaded = 0;
    let refused = 0;
    fc.assert(
      fc.property(tomlFileWith(BASES[file]!), (content) => {
        const dir = appDir(content, file);
        try {
          const app = readAppConfig(dir);
          loaded++;
          expect(app.name).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
          expect(app.entryPath.startsWith(dir)).toBe(true);
          expect(app.language).toBe(app.entryPath.endsWith(".py") ? "python" : "typescript");
          for (const integration of app.integrations) expect(integration).toMatch(/^[a-z0-9_-]{1,64}$/);
        } catch (error) {
          expect(error, content).toBeInstanceOf(AppConfigError);
          const e = error as AppConfigError;
          expect(e.code).toBe("invalid_app_config");
          expect(e.status).toBe(400);
          expect(e.message).toContain(join(dir, file));
          expect(e.message.split("\n")).toHaveLength(1);
          refused++;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS },
    );
    expect(refused).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
    console.log(`[fuzz toml] ${file}: ${loaded} loaded, ${refused} refused`);
  },
);

it("an apps directory full of random configs: discoverApps reports each bad one and never throws", () => {
  fc.assert(
    fc.property(fc.array(tomlFile, { minLength: 1, maxLength: 6 }), (contents) => {
      const dir = join(root, `dir-${++counter}`);
      mkdirSync(dir);
      try {
        contents.forEach((content, i) => {
          mkdirSync(join(dir, `a${i}`));
          writeFileSync(join(dir, `a${i}`, "gatehouse.config.toml"), content);
          writeFileSync(join(dir, `a${i}`, "app.ts"), "export default {};\n");
        });
        const discovery = discoverApps([dir]);
        expect(discovery.apps.length + discovery.failures.length).toBe(contents.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: Math.max(30, Math.floor(RUNS / 5)) },
  );
});
