import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEBIAN_PYTHON, pythonInterpreter, pythonSetting } from "./interpreter.ts";

const root = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-interpreter-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A stand-in interpreter: a script that answers the probe with `facts` (over the real program's defaults). */
function fake(facts: Record<string, unknown>): string {
  const dir = join(root, `fake-${++count}`);
  mkdirSync(dir);
  const program = join(dir, "python3.11");
  writeFileSync(program, "");
  const answer = { executable: program, version: "3.11.2", path: [], venvConfig: null, files: [], ...facts };
  const script = join(dir, "probe-answer");
  writeFileSync(script, `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(answer)}\nEOF\n`);
  chmodSync(script, 0o755);
  return script;
}

describe("pythonSetting", () => {
  it("is GATEHOUSE_PYTHON, else Debian's interpreter where present", () => {
    expect(pythonSetting("/opt/venv/bin/python")).toBe("/opt/venv/bin/python");
    expect(pythonSetting(null)).toMatch(new RegExp(`^(${DEBIAN_PYTHON}|python3)$`));
  });
});

describe("pythonInterpreter", () => {
  it.runIf(process.platform === "linux")(
    "asks the real interpreter what to mount: its program, its sys.path",
    async () => {
      const python = await pythonInterpreter(DEBIAN_PYTHON);
      expect(python.executable).toBe(DEBIAN_PYTHON);
      expect(python.version).toMatch(/^3\.\d+\.\d+$/);
      // /usr/bin/python3 is a link to python3.11: the link is recreated and the program bound.
      expect(python.links).toEqual([
        { path: DEBIAN_PYTHON, target: expect.stringMatching(/^python3\.\d+$/) },
      ]);
      expect(python.binds[0]).toMatch(/^\/usr\/bin\/python3\.\d+$/);
      // The standard library lies in /usr/lib, which the sandbox shows already: no mount of its own.
      expect(python.binds.some((path) => path.startsWith("/usr/lib/"))).toBe(false);
    },
  );

  it("follows a venv's chain of links down to the program, keeping the path it runs as", async () => {
    const venv = join(root, "venv");
    mkdirSync(join(venv, "bin"), { recursive: true });
    mkdirSync(join(venv, "lib", "site-packages"), { recursive: true });
    writeFileSync(join(venv, "pyvenv.cfg"), "home = /x\n");
    const real = join(root, "real-python3.11");
    writeFileSync(real, "");
    symlinkSync(real, join(venv, "bin", "python3"));
    symlinkSync("python3", join(venv, "bin", "python"));
    const interpreter = await pythonInterpreter(
      fake({
        executable: join(venv, "bin", "python"),
        path: ["/usr/lib/python3.11", join(venv, "lib", "site-packages"), join(root, "gone")],
        venvConfig: join(venv, "pyvenv.cfg"),
      }),
    );
    expect(interpreter.executable).toBe(join(venv, "bin", "python"));
    expect(interpreter.links).toEqual([
      { path: join(venv, "bin", "python"), target: "python3" },
      { path: join(venv, "bin", "python3"), target: real },
    ]);
    expect(interpreter.binds).toEqual([real, join(venv, "lib", "site-packages"), join(venv, "pyvenv.cfg")]);
  });

  it("refuses an interpreter older than 3.11, naming its version", async () => {
    const old = fake({ version: "3.9.18" });
    await expect(pythonInterpreter(old)).rejects.toThrow(
      `GATEHOUSE_PYTHON=${old} is Python 3.9.18; Python apps need 3.11 or later`,
    );
  });

  it("refuses a sys.path that would mount a system directory or the hub's data into apps", async () => {
    const home = fake({ path: ["/home"] });
    await expect(pythonInterpreter(home)).rejects.toThrow(
      `GATEHOUSE_PYTHON=${home}: its sys.path entry /home is a system directory; apps cannot be given it`,
    );
    const data = join(root, "data");
    mkdirSync(join(data, "hub"), { recursive: true });
    const holds = fake({ path: [data] });
    await expect(pythonInterpreter(holds, [join(data, "hub")])).rejects.toThrow(
      `its sys.path entry ${data} holds the hub's data directory ${join(data, "hub")}`,
    );
  });

  it("says what is wrong with a program that is no Python, or does not exist", async () => {
    const dir = join(root, "not-python");
    mkdirSync(dir);
    const echo = join(dir, "echo-python");
    writeFileSync(echo, "#!/bin/sh\necho hello\n");
    chmodSync(echo, 0o755);
    await expect(pythonInterpreter(echo)).rejects.toThrow(
      `GATEHOUSE_PYTHON=${echo}: not a Python interpreter`,
    );
    const failing = join(dir, "failing-python");
    writeFileSync(failing, "#!/bin/sh\necho 'cannot start' >&2\nexit 3\n");
    chmodSync(failing, 0o755);
    await expect(pythonInterpreter(failing)).rejects.toThrow(
      new RegExp(`^GATEHOUSE_PYTHON=${failing}: the interpreter did not run \\(.*\\): cannot start$`),
    );
    await expect(pythonInterpreter(join(dir, "missing"))).rejects.toThrow(
      "the interpreter did not run (no such file)",
    );
  });
});
