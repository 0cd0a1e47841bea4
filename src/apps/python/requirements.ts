/**
 * An app's requirements.txt, checked at load against the interpreter apps run with: the worker's own check
 * (`worker.py --check-requirements <file> --json`, python/gatehouse/_requirements.py), run where the app
 * runs — in its sandbox, as its uid, seeing what the app will see — so that a module missing there fails the
 * load with its name and a one-line hint, and a version mismatch is a warning on the app's page. Nothing is
 * installed. The report is the worker's words, parsed with a schema: it is read from a sandboxed process.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { SandboxStatus } from "../sandbox/detect.ts";
import type { AppIdentity } from "../sandbox/identity.ts";
import { launch } from "../sandbox/launch.ts";
import type { PythonInterpreter } from "./interpreter.ts";
import type { PythonRuntime } from "./runtime.ts";

export const REQUIREMENTS_FILE = "requirements.txt";
const CHECK_TIMEOUT_MS = 30_000;
const MAX_REPORT_BYTES = 1024 * 1024;
const MAX_WARNINGS = 50;

/** The requirements cannot be met; the message is the worker's, naming the line, the module and a hint. */
export class RequirementsError extends Error {}

const text = z.string().max(2000);
const reportSchema = z.object({
  ok: z.boolean(),
  loadError: text.nullable(),
  warnings: z.array(text),
  unchecked: z.array(text),
});

export interface RequirementsContext {
  interpreter: PythonInterpreter;
  runtime: PythonRuntime;
  sandbox: SandboxStatus;
  identity: AppIdentity;
  appDir: string;
  /** The interpreter's own arguments (isolated mode and the like), as the app process gets them. */
  flags: readonly string[];
}

/** What the check process wrote, and how it ended. */
function runCheck(
  context: RequirementsContext,
  file: string,
): Promise<{ stdout: string; how: string; said: string }> {
  const { interpreter, runtime } = context;
  const child = launch(
    {
      command: [
        interpreter.executable,
        ...context.flags,
        runtime.launcher,
        "--check-requirements",
        file,
        "--json",
      ],
      readOnly: [...interpreter.binds, runtime.dir, context.appDir],
      links: interpreter.links,
      cwd: context.appDir,
      env: { HOME: "/tmp", TMPDIR: "/tmp" },
      identity: context.identity,
    },
    context.sandbox,
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (stdout.length > MAX_REPORT_BYTES) child.kill("SIGKILL");
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const timer = setTimeout(() => child.kill("SIGKILL"), CHECK_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ stdout: "", how: `it could not start: ${err.message}`, said: "" });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve({ stdout, how, said: stderr.trim().split("\n").at(-1) ?? "" });
    });
  });
}

/**
 * Checks `<appDir>/requirements.txt` when there is one; resolves with its warnings, rejects with
 * RequirementsError when a requirement is missing (or the check itself could not say).
 */
export async function checkRequirements(context: RequirementsContext): Promise<string[]> {
  const file = join(context.appDir, REQUIREMENTS_FILE);
  if (!existsSync(file)) return [];
  const { stdout, how, said } = await runCheck(context, file);
  let report: z.infer<typeof reportSchema> | null = null;
  try {
    const parsed = reportSchema.safeParse(JSON.parse(stdout));
    if (parsed.success) report = parsed.data;
  } catch {
    // not JSON: said below
  }
  if (!report) {
    throw new RequirementsError(
      `${REQUIREMENTS_FILE} could not be checked (the check ended: ${how})${said ? `: ${said}` : ""}`,
    );
  }
  if (!report.ok)
    throw new RequirementsError(report.loadError ?? `${REQUIREMENTS_FILE}: a requirement is missing`);
  return [...report.warnings, ...report.unchecked]
    .slice(0, MAX_WARNINGS)
    .map((warning) => `${REQUIREMENTS_FILE}: ${warning}`);
}
