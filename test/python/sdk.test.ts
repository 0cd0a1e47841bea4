/**
 * The Python SDK's own tests (python/tests, standard library unittest) inside `npm test`: run with the
 * interpreter apps run with — GATEHOUSE_PYTHON, else Debian's /usr/bin/python3 where present, else python3 on
 * the PATH — and fail with unittest's output when they fail.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APP_ERROR_STATUS } from "../../src/errors.ts";
import { pythonSetting } from "../../src/apps/python/interpreter.ts";

const ROOT = join(import.meta.dirname, "../..");
/** The interpreter the hub runs apps with (its rule: GATEHOUSE_PYTHON, else /usr/bin/python3, else python3). */
const pythonInterpreter = () => pythonSetting(process.env.GATEHOUSE_PYTHON || null);

describe("the Python SDK (python/tests)", () => {
  it("passes its unittest suite", () => {
    const python = pythonInterpreter();
    const run = spawnSync(python, ["-m", "unittest", "discover", "-s", "python/tests", "-t", "python"], {
      cwd: ROOT,
      encoding: "utf8",
      // The suite starts workers and local servers; its own failsafes end a hung test well before this.
      timeout: 240_000,
      env: { PATH: process.env.PATH, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" },
    });
    if (run.error) throw new Error(`${python} could not run: ${run.error.message}`);
    const output = `${run.stdout}\n${run.stderr}`;
    // unittest ends with "OK" (maybe "OK (skipped=n)") or "FAILED (...)"; the whole output explains a failure.
    expect(run.status, output).toBe(0);
    expect(run.stderr).toMatch(/\nOK( \(skipped=\d+\))?\n?$/);
    expect(run.stderr).toMatch(/Ran [1-9]\d* tests/);
  }, 300_000);

  it("reports only codes the hub takes from an app (appReportable in src/errors/codes.json), each with the hub's status", () => {
    const run = spawnSync(
      pythonInterpreter(),
      [
        "-I",
        "-c",
        "import sys, json; sys.path.insert(0, 'python'); from gatehouse import _codes; print(json.dumps({v: _codes.status_of(v) for k, v in vars(_codes).items() if k.isupper() and isinstance(v, str)}))",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    const python = JSON.parse(run.stdout) as Record<string, number>;
    expect(Object.keys(python).length).toBeGreaterThan(10);
    for (const code of Object.keys(python)) expect(Object.keys(APP_ERROR_STATUS)).toContain(code);
    // The app never picks the status. One differs on purpose: the token route answered the SDK 401, but a view
    // whose capability failed is the hub's fault, not the user's, so the views API says 500 (both SDKs alike).
    const differing = Object.keys(python).filter((code) => python[code] !== APP_ERROR_STATUS[code]);
    expect(differing).toEqual(["invalid_capability"]);
  });
});
