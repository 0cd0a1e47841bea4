/**
 * Starts one process for an app: in the sandbox when this host has one, else directly (today's
 * protections only). Either way the process gets the same file descriptors: stdin closed, stdout and stderr
 * piped (its log), and the channel on fd 3 (a Unix socket pair; `child.stdio[3]` on this side).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { DEFAULT_SANDBOX_LIMITS, sandboxArgv, type SandboxLimits } from "./argv.ts";
import type { SandboxStatus } from "./detect.ts";
import type { AppIdentity } from "./identity.ts";
import { bindMounts, hostSystemMounts, linkMounts } from "./mounts.ts";

export interface LaunchSpec {
  /** The program (an absolute, real path) and its arguments. */
  command: readonly string[];
  /** Host paths (real paths) the process reads besides the system's: its program, bundle, app directory. */
  readOnly: readonly string[];
  /** Symbolic links to recreate in the sandbox (the chain from an interpreter's path to its program). */
  links?: readonly { path: string; target: string }[];
  cwd: string;
  /** Its whole environment (nothing of the hub's is inherited). */
  env: Record<string, string>;
  /** Who it runs as under a root hub. */
  identity: AppIdentity;
  limits?: SandboxLimits;
}

const STDIO = ["ignore", "pipe", "pipe", "pipe"] as const;

export function launch(spec: LaunchSpec, sandbox: SandboxStatus): ChildProcess {
  const [program, ...args] = spec.command;
  if (!program) throw new Error("launch: no command");
  if (!sandbox.active || !sandbox.tools) {
    return spawn(program, args, { cwd: spec.cwd, env: spec.env, stdio: [...STDIO] });
  }
  const argv = sandboxArgv(
    {
      command: spec.command,
      mounts: [...hostSystemMounts(), ...bindMounts(spec.readOnly), ...linkMounts(spec.links ?? [])],
      cwd: spec.cwd,
      limits: spec.limits ?? DEFAULT_SANDBOX_LIMITS,
      identity: sandbox.mode === "root" ? spec.identity : null,
    },
    sandbox.tools,
  );
  return spawn(argv.file, argv.args, { cwd: "/", env: spec.env, stdio: [...STDIO] });
}
