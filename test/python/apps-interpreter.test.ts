/**
 * Which Python runs the apps: a venv the admin points GATEHOUSE_PYTHON at (its packages and the system's),
 * a shim in a private directory (the sandbox runs the interpreter it starts, never the shim), a
 * GATEHOUSE_PYTHON that does not run (the Python apps fail to load, naming it; TypeScript apps load), and
 * Python apps with the sandbox off (the same results, no bytecode written into the app's directory).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AppRegistry } from "../../src/apps/registry.ts";
import { DEBIAN_PYTHON, pythonInterpreter } from "../../src/apps/python/interpreter.ts";
import { runView, valuesOf } from "../helpers/appsHub.ts";
import { describeSandboxed } from "../helpers/hostileHub.ts";
import { withTestHub } from "../helpers/hub.ts";
import { writeApp } from "../helpers/appFiles.ts";
import { BASIC, PRELUDE } from "../helpers/pythonApps.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const tmp = useTempDir("gatehouse-python-apps-");
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
    await withTestHub({ emulators: false, config: { appsDirs: [apps], appPython: python } }, async (t) => {
      const res = await runView(await t.newUser(), "in-venv", "where");
      expect(res.status, res.text).toBe(200);
      expect(valuesOf(res.body)).toEqual({
        module: "the venv",
        prefix: venv,
        executable: python,
        requests: "requests",
      });
      expect((t.hub.services.apps as AppRegistry).runtimeSettings.sandbox.active).toBe(true);
    });
    // The control: on the default interpreter the venv's package is not there, and the load says so.
    await withTestHub({ emulators: false, config: { appsDirs: [apps] } }, async (plain) => {
      const page = await (await plain.admin()).get<{ error: string }>("/api/apps/in-venv");
      expect(page.body.error).toMatch(
        /^requirements\.txt:1: venv-only is not installed for \/usr\/bin\/python3; /,
      );
    });
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
    await withTestHub({ emulators: false, config: { appsDirs: [apps], appPython: shim } }, async (t) => {
      const res = await runView(await t.newUser(), "shimmed", "hello");
      expect(res.status, res.text).toBe(200);
      expect(valuesOf(res.body).executable).toBe(DEBIAN_PYTHON);
      const cmdline = readFileSync(
        `/proc/${(t.hub.services.apps as AppRegistry).get("shimmed")!.pid}/cmdline`,
        "utf8",
      );
      expect(cmdline).not.toContain(home);
    });
  });

  it("that does not run fails the Python apps' loads naming it; TypeScript apps load regardless", async () => {
    const apps = join(tmp(), "missing-python");
    writeApp(apps, "py", { "gatehouse.config.toml": 'name = "py"\nentry = "app.py"\n', "app.py": BASIC });
    writeApp(apps, "ts", {
      "gatehouse.config.toml": 'name = "ts"\n',
      "app.ts": `import { DataGroup, DataItem, DataResult, dataView, defineApp } from "gatehouse/sdk";\nexport default defineApp({ parametrization: {}, views: { v: dataView("v", {}, () => new DataResult(new DataGroup(new DataItem("ok", 1)))) } });\n`,
    });
    await withTestHub(
      {
        emulators: false,
        config: { appsDirs: [apps], appPython: "/nonexistent/bin/python3" },
      },
      async (t) => {
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
      },
    );
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
    await withTestHub({ emulators: false, config: { appsDirs: [apps], appSandbox: "off" } }, async (t) => {
      const res = await runView(await t.newUser(), "plain", "hello", { name: "Bo" });
      expect(res.status, res.text).toBe(200);
      expect(valuesOf(res.body).greeting).toBe("Hello, Bo!");
      expect(existsSync(join(dir, "__pycache__"))).toBe(false);
    });
  });
});
