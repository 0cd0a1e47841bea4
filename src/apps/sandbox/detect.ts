/**
 * Whether this host can sandbox apps, decided once per hub from GATEHOUSE_APP_SANDBOX (required | auto |
 * off) and a probe: the tools must exist and bubblewrap must really start a sandbox (a container without
 * user namespaces, for one, has the tools but cannot).
 */
import { spawn } from "node:child_process";
import { DEFAULT_SANDBOX_LIMITS, sandboxArgv } from "./argv.ts";
import { appIdentity, isRoot } from "./identity.ts";
import { hostSystemMounts } from "./mounts.ts";
import { findSandboxTools, type SandboxTools } from "./tools.ts";

import type { SandboxSetting } from "./settings.ts";

export type { SandboxSetting } from "./settings.ts";

export interface SandboxStatus {
  setting: SandboxSetting;
  /** Apps run sandboxed. */
  active: boolean;
  /** "root": a root hub, apps dropped to their own uid; "user": the hub's own uid in a user namespace. */
  mode: "root" | "user" | null;
  tools: SandboxTools | null;
  /** Why apps are not sandboxed (null when they are). */
  reason: string | null;
}

const PROBE_TIMEOUT_MS = 15_000;

/** Runs a trivial command in the sandbox as apps would be run; resolves with null or what went wrong. */
function probe(tools: SandboxTools, uidBase: number): Promise<string | null> {
  const { file, args } = sandboxArgv(
    {
      command: [tools.prlimit, "--version"],
      mounts: hostSystemMounts(),
      cwd: "/",
      limits: DEFAULT_SANDBOX_LIMITS,
      identity: isRoot() ? appIdentity(uidBase, 0) : null,
    },
    tools,
  );
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: {},
      timeout: PROBE_TIMEOUT_MS,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(0, 2_000)));
    child.on("error", (err) => resolve(`${file} could not be started: ${err.message}`));
    child.on("close", (code, signal) => {
      if (code === 0) resolve(null);
      else {
        const why = stderr.trim().split("\n")[0] || (signal ? `signal ${signal}` : `exit code ${code}`);
        resolve(`bubblewrap could not start a sandbox here: ${why}`);
      }
    });
  });
}

/** The sandbox status for `setting`, probed now; `find` locates the tools (tests give their own). */
export async function probeSandbox(
  setting: SandboxSetting,
  uidBase: number,
  find: typeof findSandboxTools = findSandboxTools,
): Promise<SandboxStatus> {
  if (setting === "off") {
    return { setting, active: false, mode: null, tools: null, reason: "GATEHOUSE_APP_SANDBOX=off" };
  }
  const found = find();
  if ("missing" in found) {
    const reason = `${found.missing.join(", ")} not found (install the bubblewrap and util-linux packages)`;
    return { setting, active: false, mode: null, tools: null, reason };
  }
  const failure = await probe(found.tools, uidBase);
  if (failure) return { setting, active: false, mode: null, tools: found.tools, reason: failure };
  return { setting, active: true, mode: isRoot() ? "root" : "user", tools: found.tools, reason: null };
}

const detected = new Map<string, Promise<SandboxStatus>>();

/** The sandbox status for `setting` (probed once per process and setting). */
export function detectSandbox(setting: SandboxSetting, uidBase: number): Promise<SandboxStatus> {
  const key = `${setting}:${uidBase}`;
  let status = detected.get(key);
  if (!status) {
    status = probeSandbox(setting, uidBase);
    detected.set(key, status);
  }
  return status;
}
