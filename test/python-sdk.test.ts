/**
 * The Python SDK's own tests (python/tests, standard library unittest) inside `npm test`: run with the
 * interpreter apps run with — GATEHOUSE_PYTHON, else Debian's /usr/bin/python3 where present, else python3 on
 * the PATH — and fail with unittest's output when they fail.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonInterpreter } from "./helpers/pythonWorker.ts";

const ROOT = join(import.meta.dirname, "..");

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
});
