/**
 * The hub runs Python apps: a real hub loads apps from a temporary directory and runs each in the app
 * sandbox as `<GATEHOUSE_PYTHON> -I … worker.py`, over the runtime protocol on fd 3. What is shown: the entry
 * forms (a .py entry, language = "python", the seeds' own viktor.config.toml beside an app.py), print()
 * reaching the app log and never the channel, requirements checked at load (a missing one fails the load
 * naming it with a hint; a version mismatch is a warning), python_version compared with the interpreter's,
 * VIKTOR's UserError, the per-app token rules through the Python SDK, and the timeout ending the process.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AppRegistry } from "../../src/apps/registry.ts";
import { DEBIAN_PYTHON } from "../../src/apps/python/interpreter.ts";
import { runView, useEmulatorHostMap, valuesOf } from "../helpers/appsHub.ts";
import { describeSandboxed } from "../helpers/hostileHub.ts";
import { startTestHub, type TestHub } from "../helpers/hub.ts";
import { writeApp } from "../helpers/appFiles.ts";
import { BASIC } from "../helpers/pythonApps.ts";
import { useTempDir } from "../helpers/tempDir.ts";
import { waitUntil } from "../helpers/waitUntil.ts";

const tmp = useTempDir("gatehouse-python-apps-");

const EXAMPLES = resolve(import.meta.dirname, "../../examples");
/** The seed's viktor.config.toml, word for word (seed 000, "Using local development"). */
const SEED_VIKTOR_CONFIG = `app_type = "editor"
python_version = "3.13"
registered_name = "your-app-name"
oauth2_integrations = [
"viktor-itwin-integration"
]
`;

describeSandboxed("Python apps in the hub", () => {
  let t: TestHub;
  let registry: AppRegistry;
  const appsDir = () => join(tmp(), "apps");

  beforeAll(async () => {
    writeApp(appsDir(), "by-entry", {
      "gatehouse.config.toml":
        'name = "by-entry"\nentry = "app.py"\noauth2_integrations = ["bentley-itwin", "bentley-itwin-service"]\n',
      "app.py": BASIC,
    });
    writeApp(appsDir(), "by-language", {
      "gatehouse.config.toml": 'name = "by-language"\nlanguage = "python"\n',
      "app/__init__.py": BASIC,
    });
    // The seed's directory: its viktor.config.toml and requirements.txt as they are, and its app.py with
    // the import line changed (examples/itwin-browser-py/app.py keeps the seed's code; the integration name
    // here stays the seed's, viktor-itwin-integration).
    const seedCode = readFileSync(join(EXAMPLES, "itwin-browser-py", "app.py"), "utf8").replaceAll(
      '"bentley-itwin"',
      '"viktor-itwin-integration"',
    );
    writeApp(appsDir(), "seed-itwin", {
      "viktor.config.toml": SEED_VIKTOR_CONFIG,
      "requirements.txt": "viktor\nrequests\n",
      "app.py": seedCode,
    });
    writeApp(appsDir(), "needs-more", {
      "gatehouse.config.toml": 'name = "needs-more"\nentry = "app.py"\n',
      "requirements.txt":
        "# the seed's two, and one this interpreter lacks\nviktor==14.24.0\nrequests\nsurely-not-installed-xyz>=1.0\n",
      "app.py": BASIC,
    });
    writeApp(appsDir(), "old-requests", {
      "gatehouse.config.toml": 'name = "old-requests"\nentry = "app.py"\n',
      "requirements.txt": "requests>=99\n-r other.txt\n",
      "app.py": BASIC,
    });
    t = await startTestHub({ config: { appsDirs: [appsDir()], sandbox: true } });
    useEmulatorHostMap(t);
    registry = t.hub.services.apps as AppRegistry;
    const admin = await t.admin();
    const bentley = await admin.get<{ apps: string[] }>("/api/admin/integrations/bentley-itwin");
    await admin.patch("/api/admin/integrations/bentley-itwin", { apps: [...bentley.body.apps, "by-entry"] });
    // The seed's integration, as the Bentley guide's admin makes it (here: the sandbox's, renamed).
    const seeded = (await t.hub.services.integrations.get("bentley-itwin"))!;
    await t.hub.services.integrations.create({
      ...seeded,
      name: "viktor-itwin-integration",
      clientSecret: "sandbox-web-secret",
      apps: ["your-app-name"],
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs a .py entry and language = "python" (a package entry) in the sandbox, as the interpreter in isolated mode', async () => {
    const user = await t.newUser();
    for (const app of ["by-entry", "by-language"]) {
      const res = await runView(user, app, "hello", { name: "Ada" });
      expect(res.status, res.text).toBe(200);
      expect(valuesOf(res.body)).toMatchObject({ greeting: "Hello, Ada!", executable: DEBIAN_PYTHON });
      const cmdline = readFileSync(`/proc/${registry.get(app)!.pid}/cmdline`, "utf8")
        .split("\0")
        .slice(0, -1);
      expect(cmdline[0]).toBe("/usr/bin/bwrap");
      const python = cmdline.lastIndexOf(DEBIAN_PYTHON);
      expect(cmdline.slice(python, python + 5)).toEqual([DEBIAN_PYTHON, "-I", "-B", "-X", "utf8"]);
      expect(cmdline.at(-1)).toBe(app === "by-entry" ? "app.py" : "app/__init__.py");
    }
    // The interpreter starts clean in the sandbox: nothing on stderr (a missing sitecustomize would say so).
    const stderr = t.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(
        (entry) =>
          entry.msg === "app output" && entry.stream === "stderr" && String(entry.app).startsWith("by-"),
      );
    expect(stderr).toEqual([]);
  });

  it("puts print() in the app log, never on the channel", async () => {
    const res = await runView(await t.newUser(), "by-entry", "hello", { name: "Grace" });
    expect(res.status).toBe(200);
    const logged = () =>
      t.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.msg === "app output" && entry.app === "by-entry");
    // The output arrives on its own pipe, after the result: wait for it, however slow the machine.
    await waitUntil("the print() line is logged", () =>
      logged().some((e) => e.output === "hello ran for Grace"),
    );
    expect(logged().map((e) => e.output)).toContain("hello ran for Grace");
  });

  it("loads the seeds' own directory as it is: viktor.config.toml names it, python_version is a warning", async () => {
    const alice = await t.signIn("alice@example.com");
    const page = await alice.get<Record<string, unknown>>("/api/apps/your-app-name");
    const version = execFileSync(DEBIAN_PYTHON, ["-c", "import platform; print(platform.python_version())"], {
      encoding: "utf8",
    }).trim();
    expect(page.body).toMatchObject({
      name: "your-app-name",
      status: "ready",
      error: null,
      views: [{ name: "get_bentley_data", kind: "data", label: "Bentley data" }],
      integrations: [{ name: "viktor-itwin-integration", status: "not_connected", problem: null }],
    });
    const warnings = page.body.warnings as string[];
    expect(warnings).toEqual(
      version.startsWith("3.13")
        ? []
        : [
            `viktor.config.toml: python_version = "3.13", but this hub runs Python apps with Python ${version} (${DEBIAN_PYTHON}); the app runs on it (GATEHOUSE_PYTHON names another interpreter)`,
          ],
    );
    // And the seed's code runs: alice connects the seed's integration and sees her iTwins.
    expect((await t.connect(alice, "viktor-itwin-integration", "alice@example.com")).status).toBe(302);
    const res = await runView(alice, "your-app-name", "get_bentley_data");
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain("Harbor Bridge Retrofit");
  });

  it("fails the load of an app whose requirement is missing, naming it with a one-line hint", async () => {
    const page = await (await t.admin()).get<{ status: string; error: string }>("/api/apps/needs-more");
    expect(page.body.status).toBe("error");
    expect(page.body.error).toBe(
      `requirements.txt:4: surely-not-installed-xyz is not installed for ${DEBIAN_PYTHON}; install it for ${DEBIAN_PYTHON} ` +
        `(${DEBIAN_PYTHON} -m pip install surely-not-installed-xyz, or Debian's package python3-surely-not-installed-xyz), ` +
        "or set GATEHOUSE_PYTHON to an interpreter that has it",
    );
    const res = await runView(await t.newUser(), "needs-more", "hello");
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: "app_load_failed" });
    expect(res.body.detail).toContain("surely-not-installed-xyz is not installed");
  });

  it("loads an app whose requirement is of another version, with the mismatch as a warning", async () => {
    const page = await (
      await t.admin()
    ).get<{ status: string; warnings: string[] }>("/api/apps/old-requests");
    expect(page.body.status).toBe("ready");
    expect(page.body.warnings).toEqual([
      expect.stringMatching(
        /^requirements\.txt: line 1: requests [\d.]+ is installed; the app asks for >=99$/,
      ),
      "requirements.txt: line 2: option -r (not checked)",
    ]);
  });

  it("answers VIKTOR's UserError with the app's words as 422 user_error", async () => {
    const res = await runView(await t.newUser(), "by-entry", "refuses");
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "user_error", detail: "Pick a width below 10 m" });
  });

  it("gets tokens only for integrations assigned to the app and listed in its config", async () => {
    const alice = await t.signIn("alice@example.com");
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    const own = await runView(alice, "by-entry", "token", { integration: "bentley-itwin" });
    expect(valuesOf(own.body)).toMatchObject({ error: null });
    expect(String(valuesOf(own.body).token)).not.toBe("");
    // Listed but assigned to itwin-service only; assigned to by-language but not listed there.
    const notAssigned = await runView(alice, "by-entry", "token", { integration: "bentley-itwin-service" });
    expect(valuesOf(notAssigned.body)).toEqual({ token: null, error: "integration_not_assigned" });
    const notListed = await runView(alice, "by-language", "token", { integration: "bentley-itwin" });
    expect(valuesOf(notListed.body)).toEqual({ token: null, error: "integration_not_assigned" });
    const unknown = await runView(alice, "by-entry", "token", { integration: "no-such-integration" });
    expect(valuesOf(unknown.body)).toEqual({ token: null, error: "integration_not_found" });
  });

  it("ends the process of a view that outlives the timeout; the next call runs in a fresh one", async () => {
    const before = registry.viewTimeoutMs;
    const pid = registry.get("by-entry")!.pid;
    const user = await t.newUser();
    // Short only for the view that never answers: the fresh process's first call below (a Python start on
    // a loaded machine) gets the normal timeout, so it cannot lose a race against 1.5 s.
    registry.setViewTimeout(1_500);
    try {
      const res = await runView(user, "by-entry", "hangs");
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({ code: "view_timeout" });
    } finally {
      registry.setViewTimeout(before);
    }
    const again = await runView(user, "by-entry", "hello");
    expect(again.status).toBe(200);
    expect(registry.get("by-entry")!.pid).not.toBe(pid);
  });
});
