/** gatehouse.config.toml: errors name the file, the key and what was expected; discovery skips only the bad app. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppConfigError, readAppConfig } from "../../src/apps/config.ts";
import { discoverApps } from "../../src/apps/loader.ts";
import { writeApp } from "../helpers/appFiles.ts";
import { thrownBy } from "../helpers/thrown.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-config-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function app(name: string, config: string, entry: string | null = "app.ts"): string {
  return writeApp(root, name, {
    "gatehouse.config.toml": config,
    ...(entry && { [entry]: "export default 1;\n" }),
  });
}

const errorOf = (dir: string) => thrownBy(AppConfigError, () => readAppConfig(dir));

describe("readAppConfig", () => {
  it("reads a good config with defaults and resolved paths", () => {
    const dir = app("good", `name = "good"\noauth2_integrations = ["a", "b", "a"]\napp_type = "editor"\n`);
    expect(readAppConfig(dir)).toMatchObject({
      name: "good",
      title: "good",
      entryPath: join(dir, "app.ts"),
      integrations: ["a", "b"],
      configWarnings: [],
    });
  });

  it("names the file, the key and what was expected", () => {
    const missing = errorOf(app("missing", `title = "x"\n`));
    expect(missing.message).toBe(`${join(root, "missing", "gatehouse.config.toml")}: key "name" is required`);
    expect(missing).toMatchObject({ code: "invalid_app_config", key: "name" });

    const wrongType = errorOf(app("wrong", `name = "wrong"\noauth2_integrations = "bentley-itwin"\n`));
    expect(wrongType.message).toMatch(
      /wrong\/gatehouse\.config\.toml: key "oauth2_integrations" expected an array of integration names/,
    );

    const badItem = errorOf(app("item", `name = "item"\noauth2_integrations = ["Bad Name"]\n`));
    expect(badItem.message).toMatch(/key "oauth2_integrations\.0" expected integration names/);

    const badName = errorOf(app("bad", `name = "Bad!"\n`));
    expect(badName.message).toMatch(/key "name" expected 1-64 of a-z 0-9 - _/);
  });

  it("reports TOML syntax errors with a position and a missing entry file", () => {
    expect(errorOf(app("syntax", `name = "x\n`)).message).toMatch(
      /syntax\/gatehouse\.config\.toml: not valid TOML \(line 1/,
    );
    expect(errorOf(app("noentry", `name = "noentry"\n`, null)).message).toMatch(
      /key "entry" names app\.ts, which does not exist/,
    );
    expect(errorOf(app("escape", `name = "escape"\nentry = "../other.ts"\n`)).message).toMatch(
      /key "entry" expected a file inside the app directory/,
    );
  });

  it("warns about unknown keys instead of failing", () => {
    const dir = app("extra", `name = "extra"\ncolour = "blue"\n`);
    expect(readAppConfig(dir).configWarnings).toEqual([
      'gatehouse.config.toml: unknown key "colour" ignored',
    ]);
  });
});

describe("readAppConfig: languages", () => {
  it('takes a .py entry, or language = "python", as a Python app; TypeScript otherwise', () => {
    expect(readAppConfig(app("py", `name = "py"\nentry = "app.py"\n`, "app.py"))).toMatchObject({
      language: "python",
      entryPath: join(root, "py", "app.py"),
    });
    expect(readAppConfig(app("lang", `name = "lang"\nlanguage = "python"\n`, "app.py"))).toMatchObject({
      language: "python",
      entryPath: join(root, "lang", "app.py"),
    });
    // With neither, the entry found decides: app.ts, else app.py.
    expect(readAppConfig(app("found", `name = "found"\n`, "app.py")).language).toBe("python");
    expect(readAppConfig(app("ts", `name = "ts"\n`)).language).toBe("typescript");
  });

  it("finds a Python package entry, app/__init__.py, as VIKTOR does", () => {
    const dir = app("pkg", `name = "pkg"\nlanguage = "python"\n`, "app/__init__.py");
    expect(readAppConfig(dir)).toMatchObject({
      language: "python",
      entryPath: join(dir, "app", "__init__.py"),
    });
  });

  it("refuses a language that contradicts the entry, an unknown language, or an entry of none", () => {
    expect(errorOf(app("mixed", `name = "mixed"\nlanguage = "python"\nentry = "app.ts"\n`)).message).toMatch(
      /key "language" is "python", but the entry app\.ts is not a \.py file$/,
    );
    expect(errorOf(app("ruby", `name = "ruby"\nlanguage = "ruby"\n`)).message).toMatch(
      /key "language" expected one of typescript, python$/,
    );
    expect(errorOf(app("rb", `name = "rb"\nentry = "app.rb"\n`, "app.rb")).message).toMatch(
      /key "entry" expected a \.ts, \.mts, \.js, \.mjs or \.py file$/,
    );
    expect(errorOf(app("none", `name = "none"\nlanguage = "python"\n`, null)).message).toMatch(
      /key "entry" names app\.py, which does not exist \(nor does app\/__init__\.py\)$/,
    );
  });

  it("accepts VIKTOR's python_version and app_type in gatehouse.config.toml too", () => {
    const spec = readAppConfig(
      app("v", `name = "v"\nentry = "app.py"\npython_version = "3.13"\napp_type = "tree"\n`, "app.py"),
    );
    expect(spec.pythonVersion).toBe("3.13");
    expect(spec.configWarnings).toEqual([
      'gatehouse.config.toml: app_type "tree": Gatehouse apps have no entity tree; it runs as one page, like an editor app',
    ]);
    expect(errorOf(app("bad-version", `name = "b"\npython_version = 3.13\n`)).message).toMatch(
      /key "python_version" expected a string$/,
    );
  });
});

describe("readAppConfig: a VIKTOR app directory as it is", () => {
  /** The seed's viktor.config.toml, word for word (000, "Using local development"). */
  const SEED_CONFIG = `app_type = "editor"\npython_version = "3.13"\nregistered_name = "your-app-name"\noauth2_integrations = [\n"viktor-itwin-integration"\n]\n`;

  function viktorApp(name: string, config: string, entry: string | null = "app.py"): string {
    return writeApp(root, name, {
      "viktor.config.toml": config,
      ...(entry && { [entry]: "import viktor as vkt\n" }),
    });
  }

  it("reads the seed's viktor.config.toml: registered_name is the name, the app is Python", () => {
    const dir = viktorApp("seed", SEED_CONFIG);
    expect(readAppConfig(dir)).toEqual({
      name: "your-app-name",
      title: "your-app-name",
      description: "",
      dir,
      configPath: join(dir, "viktor.config.toml"),
      entryPath: join(dir, "app.py"),
      language: "python",
      integrations: ["viktor-itwin-integration"],
      pythonVersion: "3.13",
      configWarnings: [],
    });
    expect(readAppConfig(viktorApp("package", SEED_CONFIG, "app/__init__.py")).entryPath).toMatch(
      /package\/app\/__init__\.py$/,
    );
  });

  it("names viktor.config.toml and the key in its errors; warns about keys it does not know", () => {
    const missing = errorOf(viktorApp("nameless", `app_type = "editor"\n`));
    expect(missing.message).toBe(
      `${join(root, "nameless", "viktor.config.toml")}: key "registered_name" is required`,
    );
    expect(errorOf(viktorApp("noapp", SEED_CONFIG, null)).message).toMatch(
      /noapp\/viktor\.config\.toml: key "entry" names app\.py, which does not exist \(nor does app\/__init__\.py\)$/,
    );
    expect(readAppConfig(viktorApp("extra", `${SEED_CONFIG}colour = "blue"\n`)).configWarnings).toEqual([
      'viktor.config.toml: unknown key "colour" ignored',
    ]);
  });

  it("prefers gatehouse.config.toml when both are there, saying the other is ignored", () => {
    const dir = viktorApp("both", SEED_CONFIG);
    writeFileSync(join(dir, "gatehouse.config.toml"), `name = "both"\nentry = "app.py"\n`);
    expect(readAppConfig(dir)).toMatchObject({
      name: "both",
      configWarnings: ["viktor.config.toml ignored: gatehouse.config.toml describes this app"],
    });
  });

  it("is found by discovery like any app", () => {
    viktorApp("seed", SEED_CONFIG);
    app("ts", `name = "ts"\n`);
    expect(discoverApps([root]).apps.map((a) => [a.name, a.language])).toEqual([
      ["your-app-name", "python"],
      ["ts", "typescript"],
    ]);
  });
});

describe("discoverApps", () => {
  it("loads the good apps, reports the bad ones, ignores missing directories", () => {
    app("one", `name = "one"\n`);
    app("two", `name = "two"\n`);
    app("broken", `name = 5\n`);
    mkdirSync(join(root, "not-an-app"));
    const found = discoverApps([root, join(root, "does-not-exist")]);
    expect(found.apps.map((a) => a.name)).toEqual(["one", "two"]);
    expect(found.searchedDirs).toEqual([root]);
    expect(found.failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/broken\/gatehouse\.config\.toml: key "name" expected/),
    ]);
  });

  it("refuses every directory claiming one name, naming the others, in one apps directory or across several", () => {
    const first = app("first", `name = "one"\n`);
    const second = app("second", `name = "one"\n`);
    app("two", `name = "two"\n`);
    const elsewhere = mkdtempSync(join(tmpdir(), "gatehouse-config-other-"));
    try {
      const third = join(elsewhere, "third");
      mkdirSync(third);
      writeFileSync(join(third, "gatehouse.config.toml"), `name = "one"\n`);
      writeFileSync(join(third, "app.ts"), "export default 1;\n");
      const found = discoverApps([root, elsewhere]);
      expect(found.apps.map((a) => a.name)).toEqual(["two"]);
      const byDir = new Map(found.failures.map((f) => [f.dir, f.message]));
      expect([...byDir.keys()].sort()).toEqual([first, second, third].sort());
      expect(byDir.get(first)).toBe(
        `${join(first, "gatehouse.config.toml")}: key "name": "one" is also claimed by ${second}, ${third}; none of them loads until the name is unique`,
      );
      expect(byDir.get(third)).toContain(`is also claimed by ${first}, ${second}`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("takes a directory that is itself an app", () => {
    const dir = app("solo", `name = "solo"\n`);
    expect(discoverApps([dir]).apps.map((a) => a.name)).toEqual(["solo"]);
  });
});
