/**
 * The hub runs Python apps: real hubs load apps from a temporary directory and run each in the app sandbox
 * as `<GATEHOUSE_PYTHON> -I … worker.py`, over the runtime protocol on fd 3. What is shown: the entry forms
 * (a .py entry, language = "python", the seeds' own viktor.config.toml beside an app.py), print() reaching
 * the app log and never the channel, requirements checked at load (a missing one fails the load naming it
 * with a hint; a version mismatch is a warning), python_version compared with the interpreter's, the
 * timeout ending the process, a venv the admin points GATEHOUSE_PYTHON at, a shim in a private directory, a
 * GATEHOUSE_PYTHON that does not run, the per-app token rules through the Python SDK, and Python apps with the
 * sandbox off.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRegistry } from "../src/apps/registry.ts";
import { DEBIAN_PYTHON, pythonInterpreter } from "../src/apps/python/interpreter.ts";
import type { DataResultJSON } from "../src/sdk/results.ts";
import { useEmulatorHostMap } from "./helpers/appsHub.ts";
import { describeSandboxed } from "./helpers/hostileHub.ts";
import { startTestHub, type HubClient, type TestHub } from "./helpers/hub.ts";
import { useTempDir } from "./helpers/tempDir.ts";
import { waitUntil } from "./helpers/waitUntil.ts";

const EXAMPLES = resolve(import.meta.dirname, "../examples");
const tmp = useTempDir("gatehouse-python-apps-");

/** A Python app of `files` (app.py's views report with `items(...)`, a helper every app here starts with). */
function writeApp(root: string, dir: string, files: Record<string, string>): string {
  const path = join(root, dir);
  mkdirSync(path, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(path, name, ".."), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  return path;
}

const PRELUDE = `import os, sys, threading
import gatehouse as vkt

def items(**values):
    return vkt.DataResult(vkt.DataGroup(*[vkt.DataItem(k, v) for k, v in values.items()]))
`;

const BASIC = `${PRELUDE}
class Parametrization(vkt.Parametrization):
    name = vkt.TextField("Name", default="world")
    integration = vkt.TextField("Integration", default="bentley-itwin")

class Controller(vkt.Controller):
    parametrization = Parametrization

    @vkt.DataView("Hello", duration_guess=1)
    def hello(self, params, **kwargs):
        print(f"hello ran for {params.name}")
        return items(greeting=f"Hello, {params['name']}!", python=sys.version.split()[0], executable=sys.executable)

    @vkt.DataView("Token")
    def token(self, params, **kwargs):
        try:
            got = vkt.external.OAuth2Integration(params.integration).get_access_token()
            return items(token=got[:12], error=None)
        except vkt.GatehouseError as err:
            return items(token=None, error=err.code)

    @vkt.DataView("Hangs")
    def hangs(self, params, **kwargs):
        threading.Event().wait()

    @vkt.DataView("Refuses")
    def refuses(self, params, **kwargs):
        raise vkt.UserError("Pick a width below 10 m")
`;

/** The seed's viktor.config.toml, word for word (seed 000, "Using local development"). */
const SEED_VIKTOR_CONFIG = `app_type = "editor"
python_version = "3.13"
registered_name = "your-app-name"
oauth2_integrations = [
"viktor-itwin-integration"
]
`;

const viewOf = (client: HubClient, app: string, view: string, params: Record<string, unknown> = {}) =>
  client.post<DataResultJSON & { code?: string; detail?: string }>(`/api/apps/${app}/views/${view}`, {
    params,
  });
const valuesOf = (body: DataResultJSON) =>
  Object.fromEntries(body.groups[0]!.items.map((item) => [item.label, item.value]));

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
      const res = await viewOf(user, app, "hello", { name: "Ada" });
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
    const res = await viewOf(await t.newUser(), "by-entry", "hello", { name: "Grace" });
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
    const res = await viewOf(alice, "your-app-name", "get_bentley_data");
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
    const res = await viewOf(await t.newUser(), "needs-more", "hello");
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
    const res = await viewOf(await t.newUser(), "by-entry", "refuses");
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "user_error", detail: "Pick a width below 10 m" });
  });

  it("gets tokens only for integrations assigned to the app and listed in its config", async () => {
    const alice = await t.signIn("alice@example.com");
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    const own = await viewOf(alice, "by-entry", "token", { integration: "bentley-itwin" });
    expect(valuesOf(own.body)).toMatchObject({ error: null });
    expect(String(valuesOf(own.body).token)).not.toBe("");
    // Listed but assigned to itwin-service only; assigned to by-language but not listed there.
    const notAssigned = await viewOf(alice, "by-entry", "token", { integration: "bentley-itwin-service" });
    expect(valuesOf(notAssigned.body)).toEqual({ token: null, error: "integration_not_assigned" });
    const notListed = await viewOf(alice, "by-language", "token", { integration: "bentley-itwin" });
    expect(valuesOf(notListed.body)).toEqual({ token: null, error: "integration_not_assigned" });
    const unknown = await viewOf(alice, "by-entry", "token", { integration: "no-such-integration" });
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
      const res = await viewOf(user, "by-entry", "hangs");
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({ code: "view_timeout" });
    } finally {
      registry.setViewTimeout(before);
    }
    const again = await viewOf(user, "by-entry", "hello");
    expect(again.status).toBe(200);
    expect(registry.get("by-entry")!.pid).not.toBe(pid);
  });
});

describeSandboxed("GATEHOUSE_PYTHON", () => {
  /** A venv made the way an admin makes one, with one package of its own (no downloads: files written). */
  function makeVenv(dir: string): string {
    execFileSync(DEBIAN_PYTHON, ["-m", "venv", "--system-site-packages", "--without-pip", dir]);
    const version = execFileSync(
      join(dir, "bin", "python"),
      ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
      {
        encoding: "utf8",
      },
    ).trim();
    const site = join(dir, "lib", `python${version}`, "site-packages");
    writeFileSync(join(site, "venv_only.py"), 'WHERE = "the venv"\n');
    const info = join(site, "venv_only-1.2.0.dist-info");
    mkdirSync(info);
    writeFileSync(join(info, "METADATA"), "Metadata-Version: 2.1\nName: venv-only\nVersion: 1.2.0\n");
    writeFileSync(join(info, "RECORD"), "");
    return join(dir, "bin", "python");
  }

  const VENV_APP = `${PRELUDE}
import venv_only, requests

class Controller(vkt.Controller):
    @vkt.DataView("Where")
    def where(self, params, **kwargs):
        return items(module=venv_only.WHERE, prefix=sys.prefix, executable=sys.executable, requests=requests.__name__)
`;

  it("runs apps with a venv the admin points it at, the venv's packages and the system's both there", async () => {
    const venv = realpathSync(tmp()) + "/venv";
    const python = makeVenv(venv);
    const apps = join(tmp(), "venv-apps");
    writeApp(apps, "in-venv", {
      "gatehouse.config.toml": 'name = "in-venv"\nentry = "app.py"\n',
      "requirements.txt": "venv-only==1.2.0\nrequests\n",
      "app.py": VENV_APP,
    });
    const t = await startTestHub({ emulators: false, config: { appsDirs: [apps], appPython: python } });
    try {
      const res = await viewOf(await t.newUser(), "in-venv", "where");
      expect(res.status, res.text).toBe(200);
      expect(valuesOf(res.body)).toEqual({
        module: "the venv",
        prefix: venv,
        executable: python,
        requests: "requests",
      });
      expect((t.hub.services.apps as AppRegistry).runtimeSettings.sandbox.active).toBe(true);
    } finally {
      await t.close();
    }
    // The control: on the default interpreter the venv's package is not there, and the load says so.
    const plain = await startTestHub({ emulators: false, config: { appsDirs: [apps] } });
    try {
      const page = await (await plain.admin()).get<{ error: string }>("/api/apps/in-venv");
      expect(page.body.error).toMatch(
        /^requirements\.txt:1: venv-only is not installed for \/usr\/bin\/python3; /,
      );
    } finally {
      await plain.close();
    }
  });

  it("may name a shim in a private directory: the sandbox runs the interpreter it starts, never the shim", async () => {
    // As pyenv's shims are: a script in a home directory only its owner can enter, exec'ing the real program.
    const home = join(tmp(), "private-home");
    mkdirSync(join(home, "shims"), { recursive: true, mode: 0o700 });
    const shim = join(home, "shims", "python3");
    writeFileSync(shim, `#!/bin/sh\nexec ${DEBIAN_PYTHON} "$@"\n`, { mode: 0o755 });
    const apps = join(tmp(), "shim-apps");
    writeApp(apps, "shimmed", {
      "gatehouse.config.toml": 'name = "shimmed"\nentry = "app.py"\n',
      "app.py": BASIC,
    });
    const t = await startTestHub({ emulators: false, config: { appsDirs: [apps], appPython: shim } });
    try {
      const res = await viewOf(await t.newUser(), "shimmed", "hello");
      expect(res.status, res.text).toBe(200);
      expect(valuesOf(res.body).executable).toBe(DEBIAN_PYTHON);
      const cmdline = readFileSync(
        `/proc/${(t.hub.services.apps as AppRegistry).get("shimmed")!.pid}/cmdline`,
        "utf8",
      );
      expect(cmdline).not.toContain(home);
    } finally {
      await t.close();
    }
  });

  it("that does not run fails the Python apps' loads naming it; TypeScript apps load regardless", async () => {
    const apps = join(tmp(), "missing-python");
    writeApp(apps, "py", { "gatehouse.config.toml": 'name = "py"\nentry = "app.py"\n', "app.py": BASIC });
    writeApp(apps, "ts", {
      "gatehouse.config.toml": 'name = "ts"\n',
      "app.ts": `import { DataGroup, DataItem, DataResult, dataView, defineApp } from "gatehouse/sdk";\nexport default defineApp({ parametrization: {}, views: { v: dataView("v", {}, () => new DataResult(new DataGroup(new DataItem("ok", 1)))) } });\n`,
    });
    const t = await startTestHub({
      emulators: false,
      config: { appsDirs: [apps], appPython: "/nonexistent/bin/python3" },
    });
    try {
      const admin = await t.admin();
      const py = await admin.get<{ status: string; error: string }>("/api/apps/py");
      expect(py.body).toMatchObject({
        status: "error",
        error: "GATEHOUSE_PYTHON=/nonexistent/bin/python3: the interpreter did not run (no such file)",
      });
      expect((await admin.get<{ status: string }>("/api/apps/ts")).body.status).toBe("ready");
      await expect(pythonInterpreter("no-such-python-here")).rejects.toThrow(
        /^GATEHOUSE_PYTHON=no-such-python-here: no no-such-python-here on the hub's PATH; install Python 3\.11 or later/,
      );
    } finally {
      await t.close();
    }
  });
});

describe("Python apps without the sandbox (GATEHOUSE_APP_SANDBOX=off)", () => {
  it("run the same, and write no bytecode into the app's directory", async () => {
    const apps = join(tmp(), "unsandboxed");
    const dir = writeApp(apps, "plain", {
      "gatehouse.config.toml": 'name = "plain"\nentry = "app.py"\n',
      "app.py": BASIC,
      "helper.py": "X = 1\n",
    });
    writeFileSync(join(dir, "app.py"), `import helper\n${BASIC}`);
    const t = await startTestHub({ emulators: false, config: { appsDirs: [apps], appSandbox: "off" } });
    try {
      const res = await viewOf(await t.newUser(), "plain", "hello", { name: "Bo" });
      expect(res.status, res.text).toBe(200);
      expect(valuesOf(res.body).greeting).toBe("Hello, Bo!");
      expect(existsSync(join(dir, "__pycache__"))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
