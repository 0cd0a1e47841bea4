import { userInfo } from "node:os";
import type { AuditActor } from "../hub/identity/auditActions.ts";

/** Who ran a command, for the audit trail: the OS user (a CLI run has no hub user). */
export function cliActor(): AuditActor {
  let name: string | null = null;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the event still says it came from the CLI.
  }
  return { type: "cli", id: null, name };
}
