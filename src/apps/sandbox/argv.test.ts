import { describe, expect, it } from "vitest";
import { DEFAULT_SANDBOX_LIMITS, sandboxArgv, type SandboxSpec } from "./argv.ts";

const tools = { bwrap: "/usr/bin/bwrap", setpriv: "/usr/bin/setpriv", prlimit: "/usr/bin/prlimit" };
const spec = (patch: Partial<SandboxSpec> = {}): SandboxSpec => ({
  command: ["/usr/bin/node", "/run/gh/worker.mjs"],
  mounts: [
    { kind: "bind", path: "/tmp/apps-x/alpha" },
    { kind: "symlink", path: "/lib", target: "usr/lib" },
    { kind: "bind", path: "/usr/lib" },
    { kind: "bind", path: "/usr/bin/node" },
    { kind: "bind", path: "/usr/lib" },
  ],
  cwd: "/tmp/apps-x/alpha",
  limits: { tmpBytes: 1234, openFiles: 99, processes: 42 },
  identity: null,
  ...patch,
});

/** What both forms end with: the working directory, then prlimit's caps around the command. */
const INSIDE = [
  ...["--chdir", "/tmp/apps-x/alpha", "--"],
  ...["/usr/bin/prlimit", "--nofile=99", "--nproc=42", "--"],
  ...["/usr/bin/node", "/run/gh/worker.mjs"],
];

/** The argument list as "--flag value" groups, for readable assertions. */
const indexOf = (args: string[], ...seq: string[]) =>
  args.findIndex((_, i) => seq.every((part, j) => args[i + j] === part));

describe("sandboxArgv, a hub that is not root", () => {
  const { file, args } = sandboxArgv(spec(), tools);

  it("runs one unprivileged bubblewrap with every namespace but the network's", () => {
    expect(file).toBe("/usr/bin/bwrap");
    for (const flag of [
      "--unshare-user",
      "--disable-userns",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      "--die-with-parent",
      "--new-session",
    ])
      expect(args).toContain(flag);
    expect(args).not.toContain("--unshare-net");
    expect(args).not.toContain("--unshare-all");
    expect(args.filter((a) => a === "/usr/bin/setpriv")).toEqual([]);
  });

  it("mounts a capped /tmp first, then the paths read-only, parents first, each once, with their ancestors", () => {
    const tmpfs = indexOf(args, "--perms", "1777", "--size", "1234", "--tmpfs", "/tmp");
    const appDir = indexOf(args, "--ro-bind", "/tmp/apps-x/alpha", "/tmp/apps-x/alpha");
    const ancestor = indexOf(args, "--perms", "0755", "--dir", "/tmp/apps-x");
    expect(tmpfs).toBeGreaterThanOrEqual(0);
    expect(ancestor).toBeGreaterThan(tmpfs);
    expect(appDir).toBeGreaterThan(ancestor);
    expect(args.filter((a, i) => a === "--ro-bind" && args[i + 1] === "/usr/lib")).toHaveLength(1);
    expect(indexOf(args, "--symlink", "usr/lib", "/lib")).toBeGreaterThan(0);
    // /tmp and /usr/lib hold their children already; only missing directories are made.
    expect(indexOf(args, "--dir", "/tmp")).toBe(-1);
    expect(indexOf(args, "--perms", "0755", "--dir", "/usr")).toBeGreaterThan(0);
    expect(indexOf(args, "--ro-bind", "/usr/bin/prlimit", "/usr/bin/prlimit")).toBeGreaterThan(0);
    expect(indexOf(args, "--proc", "/proc")).toBeGreaterThan(0);
    expect(indexOf(args, "--dev", "/dev")).toBeGreaterThan(0);
  });

  it("ends with prlimit's caps around the command, in the working directory", () => {
    expect(args.slice(args.indexOf("--chdir"))).toEqual(INSIDE);
  });
});

describe("sandboxArgv, a root hub", () => {
  const { file, args } = sandboxArgv(spec({ identity: { uid: 1_900_000_007, gid: 1_900_000_007 } }), tools);
  // The programs appear among the outer mounts too: find them where they run.
  const setpriv = args.indexOf("--reuid=1900000007") - 1;
  const inner = args.indexOf("/usr/bin/bwrap", setpriv);
  const outer = args.slice(0, setpriv);

  it("makes no user namespace as root: the outer bubblewrap only mounts and keeps only what setpriv needs", () => {
    expect(file).toBe("/usr/bin/bwrap");
    expect(outer).not.toContain("--unshare-user");
    expect(outer).not.toContain("--uid");
    expect(indexOf(outer, "--cap-drop", "ALL")).toBeGreaterThan(0);
    expect(outer.filter((a) => a.startsWith("CAP_"))).toEqual(["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]);
    expect(outer).toEqual(expect.arrayContaining(["--unshare-pid", "--die-with-parent", "--proc", "--dev"]));
    for (const program of ["/usr/bin/setpriv", "/usr/bin/bwrap", "/usr/bin/prlimit"])
      expect(indexOf(outer, "--ro-bind", program, program)).toBeGreaterThan(0);
  });

  it("drops to the app's uid and gid with no groups, capabilities or new privileges before the user namespace", () => {
    expect(args.slice(setpriv, inner)).toEqual([
      "/usr/bin/setpriv",
      "--reuid=1900000007",
      "--regid=1900000007",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
    ]);
    const rest = args.slice(inner);
    expect(rest).toEqual(expect.arrayContaining(["--unshare-user", "--disable-userns", "--new-session"]));
    expect(indexOf(rest, "--ro-bind", "/", "/")).toBeGreaterThan(0);
    expect(indexOf(rest, "--bind", "/tmp", "/tmp")).toBeGreaterThan(indexOf(rest, "--ro-bind", "/", "/"));
    expect(rest.slice(rest.indexOf("--chdir"))).toEqual(INSIDE);
  });

  it("uses the default limits when given them", () => {
    const argv = sandboxArgv(spec({ limits: DEFAULT_SANDBOX_LIMITS }), tools);
    expect(argv.args).toContain(`--nproc=${DEFAULT_SANDBOX_LIMITS.processes}`);
  });
});
