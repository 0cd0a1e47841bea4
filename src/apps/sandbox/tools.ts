import { accessSync, constants } from "node:fs";
import { join } from "node:path";

/** The host programs the sandbox is made of. */
export interface SandboxTools {
  /** bubblewrap: the namespaces and the mounts. */
  bwrap: string;
  /** util-linux setpriv: drops a root hub's privileges to the app's uid before the user namespace. */
  setpriv: string;
  /** util-linux prlimit: the per-process limits inside the sandbox (open files, processes). */
  prlimit: string;
}

/**
 * Where the tools are looked for: system directories only, never $PATH. The hub may run as root, and a
 * writable directory early in $PATH would let anyone choose what it runs as the sandbox.
 */
const SYSTEM_DIRS = ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin"];

function find(name: string): string | null {
  for (const dir of SYSTEM_DIRS) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

/** The tools, or the names of the missing ones. */
export function findSandboxTools(): { tools: SandboxTools } | { missing: string[] } {
  const found = { bwrap: find("bwrap"), setpriv: find("setpriv"), prlimit: find("prlimit") };
  const missing = Object.entries(found)
    .filter(([, path]) => path === null)
    .map(([name]) => name);
  if (missing.length > 0) return { missing };
  return { tools: found as SandboxTools };
}
