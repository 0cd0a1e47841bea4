/**
 * The command line that runs one process in the app sandbox (bubblewrap). It knows nothing of Node or of
 * apps: a command, the host paths it may read, its working directory, its limits, and who it runs as.
 *
 * A hub running as root runs two bubblewraps. The outer one runs as root with only the capabilities to
 * change uid: it builds the file system (root can read any bind source, e.g. an app under /root) and the
 * PID, IPC, UTS and cgroup namespaces. setpriv then drops to the app's own uid and gid, no groups, no
 * capabilities, no new privileges, and the inner bubblewrap, now unprivileged, adds the user namespace
 * (with user namespaces disabled inside it) and a new session. A user namespace made by root directly would
 * map the app to host root, which is why the order matters.
 *
 * A hub running as another user runs one unprivileged bubblewrap with all of it, as its own uid inside a
 * new user namespace.
 *
 * Inside either: a private tmpfs /tmp with a size cap, a minimal /dev, /proc of its own PID namespace only,
 * the mounts given read-only, and prlimit's caps on open files and processes, set after the namespaces are
 * made (the kernel then counts the processes per sandbox). The network is the host's: apps call the
 * platforms' APIs.
 */
import type { AppIdentity } from "./identity.ts";
import { bindMounts, type MountEntry } from "./mounts.ts";
import type { SandboxTools } from "./tools.ts";

export interface SandboxLimits {
  /** Size of the private /tmp, in bytes. */
  tmpBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_NPROC: processes and threads of the sandbox's uid, counted per sandbox. */
  processes: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  tmpBytes: 64 * 1024 * 1024,
  openFiles: 1024,
  // Node runs about a dozen threads and esbuild (the bundler) a few more; a fork bomb stops here.
  processes: 128,
};

export interface SandboxSpec {
  /** The program (an absolute host path, bound among `mounts`) and its arguments. */
  command: readonly string[];
  /** What the process may see of the host, read-only, at the same paths. */
  mounts: readonly MountEntry[];
  /** Its working directory (inside one of the mounts). */
  cwd: string;
  limits: SandboxLimits;
  /** The uid and gid to drop to when the hub is root; null: the hub's own uid (the hub is not root). */
  identity: AppIdentity | null;
}

/** Ancestors of an absolute path, outermost first, without "/" itself. */
function ancestors(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.slice(0, -1).map((_, i) => "/" + parts.slice(0, i + 1).join("/"));
}

const depth = (path: string) => path.split("/").filter(Boolean).length;

/**
 * The mounts as bubblewrap arguments: parents before children, and each missing ancestor directory made
 * 0755 (what the sandboxed uid must be able to traverse), unless a bind or /tmp above it already holds it.
 */
function mountArgs(mounts: readonly MountEntry[]): string[] {
  const args: string[] = [];
  const unique = [...new Map(mounts.map((entry) => [entry.path, entry])).values()];
  const sorted = unique.sort((a, b) => depth(a.path) - depth(b.path) || a.path.localeCompare(b.path));
  const bound: string[] = [];
  const made = new Set<string>(["/tmp"]);
  const inside = (path: string) => bound.some((root) => path === root || path.startsWith(root + "/"));
  for (const entry of sorted) {
    for (const dir of ancestors(entry.path)) {
      if (made.has(dir) || inside(dir)) continue;
      args.push("--perms", "0755", "--dir", dir);
      made.add(dir);
    }
    if (entry.kind === "bind") {
      args.push("--ro-bind", entry.path, entry.path);
      bound.push(entry.path);
    } else args.push("--symlink", entry.target, entry.path);
  }
  return args;
}

const tmp = (limits: SandboxLimits) => [
  "--perms",
  "1777",
  "--size",
  String(limits.tmpBytes),
  "--tmpfs",
  "/tmp",
];

function limited(spec: SandboxSpec, tools: SandboxTools): string[] {
  const { openFiles, processes } = spec.limits;
  return [tools.prlimit, `--nofile=${openFiles}`, `--nproc=${processes}`, "--", ...spec.command];
}

/** The unprivileged bubblewrap's own part: the user namespace, with no further user namespaces inside. */
const USER_NAMESPACE = ["--unshare-user", "--disable-userns", "--die-with-parent", "--new-session"];
const OTHER_NAMESPACES = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"];

/** What setpriv needs to change uid, gid and the bounding set, and nothing else; it drops them all. */
const SETPRIV_CAPABILITIES = [
  ...["--cap-drop", "ALL"],
  ...["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"],
];

/** The namespaces but the user's and the file system: what the one bubblewrap, or the outer one, makes. */
function world(spec: SandboxSpec, mounts: readonly MountEntry[]): string[] {
  return [
    ...OTHER_NAMESPACES,
    ...["--hostname", "gatehouse-app"],
    ...tmp(spec.limits),
    ...mountArgs(mounts),
    ...["--proc", "/proc", "--dev", "/dev"],
    // bubblewrap's own root and /dev are tmpfs, writable by the sandbox's uid when it is the hub's: without
    // this, an app could fill memory through them past /tmp's cap.
    ...["--remount-ro", "/dev", "--remount-ro", "/"],
  ];
}

/** `file` and `args` for spawn(): the whole sandbox around `spec.command`. */
export function sandboxArgv(spec: SandboxSpec, tools: SandboxTools): { file: string; args: string[] } {
  // The programs that run inside the outer sandbox (root) or the only one (prlimit) must be in it.
  const programs = spec.identity === null ? [tools.prlimit] : [tools.setpriv, tools.bwrap, tools.prlimit];
  const mounts = [...spec.mounts, ...bindMounts(programs)];
  const inside = ["--chdir", spec.cwd, "--", ...limited(spec, tools)];
  if (spec.identity === null) {
    return { file: tools.bwrap, args: [...USER_NAMESPACE, ...world(spec, mounts), ...inside] };
  }
  const { uid, gid } = spec.identity;
  return {
    file: tools.bwrap,
    args: [
      "--die-with-parent",
      ...SETPRIV_CAPABILITIES,
      ...world(spec, mounts),
      "--",
      tools.setpriv,
      `--reuid=${uid}`,
      `--regid=${gid}`,
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
      tools.bwrap,
      ...USER_NAMESPACE,
      // The outer sandbox's tree, read-only, with its /dev and its /tmp as they were (writable, capped).
      "--ro-bind",
      "/",
      "/",
      "--dev-bind",
      "/dev",
      "/dev",
      "--bind",
      "/tmp",
      "/tmp",
      ...inside,
    ],
  };
}
