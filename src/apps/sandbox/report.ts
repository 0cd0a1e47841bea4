/** How the sandbox's state is told: once in the log at start, and to admins in the apps overview. */
import type { SandboxStatus } from "./detect.ts";

export type { SandboxSummary } from "../../api/sandbox.ts";
import type { SandboxSummary } from "../../api/sandbox.ts";

export function sandboxSummary(status: SandboxStatus): SandboxSummary {
  const warning = status.active
    ? null
    : status.setting === "required"
      ? `Apps do not run on this host: GATEHOUSE_APP_SANDBOX=required, but the sandbox cannot run (${status.reason})`
      : `Apps are not sandboxed on this host (${status.reason}): an app can read what the hub's user can read and signal the hub`;
  return { active: status.active, setting: status.setting, mode: status.mode, warning };
}

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One line at start: the sandbox in use, or a loud warning that apps run without it. */
export function logSandboxStatus(status: SandboxStatus, log: Logger): void {
  if (status.active) {
    log.info({ sandbox: status.mode, tools: status.tools }, "apps run in the bubblewrap sandbox");
    return;
  }
  const { warning } = sandboxSummary(status);
  if (status.setting === "required") log.error({ reason: status.reason }, warning!);
  else
    log.warn(
      { reason: status.reason, setting: status.setting },
      `${warning}; install bubblewrap, or set GATEHOUSE_APP_SANDBOX=required to refuse running apps without it`,
    );
}
