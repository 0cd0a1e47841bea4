/**
 * What of the host a sandboxed process sees, besides its own directories: the shared libraries programs
 * need, and the few files name resolution and TLS read. All read-only, all public: nothing here is the
 * hub's (no data directory, no sources, no /root, no /home, no other app).
 */
import { lstatSync, readlinkSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { isInside } from "../paths.ts";

/** A host path in the sandbox: bound read-only at the same path, or (for a symlink) the same link. */
export type MountEntry = { kind: "bind"; path: string } | { kind: "symlink"; path: string; target: string };

/**
 * Library directories, recreated as the host has them: a symlink where the host has one (merged /usr:
 * /lib → usr/lib), else a read-only bind.
 */
const LIBRARY_PATHS = ["/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32", "/usr/libexec"];

/**
 * Files read by the C library and the TLS stack: name resolution (getaddrinfo: nsswitch, hosts, resolv),
 * the loader's cache, CA certificates, time zones. Bound as their content even where the host path is a
 * symlink (e.g. /etc/resolv.conf → /run/systemd/resolve/stub-resolv.conf).
 */
const SYSTEM_FILES = [
  "/etc/ld.so.cache",
  "/etc/nsswitch.conf",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/resolv.conf",
  "/etc/gai.conf",
  "/etc/ssl/certs",
  "/etc/ssl/openssl.cnf",
  "/etc/localtime",
  "/usr/share/zoneinfo",
];

function kindOf(path: string): "symlink" | "present" | "absent" {
  try {
    return lstatSync(path).isSymbolicLink() ? "symlink" : "present";
  } catch {
    return "absent";
  }
}

/** The host's libraries and system files that exist here, as mounts. */
export function hostSystemMounts(): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const path of LIBRARY_PATHS) {
    const kind = kindOf(path);
    if (kind === "symlink") {
      const target = readlinkSync(path);
      // Only links that stay among the library directories are recreated; others are bound as content.
      const resolved = isAbsolute(target) ? target : resolve(dirname(path), target);
      if (LIBRARY_PATHS.includes(resolved)) entries.push({ kind: "symlink", path, target });
      else entries.push({ kind: "bind", path });
    } else if (kind === "present") entries.push({ kind: "bind", path });
  }
  for (const path of SYSTEM_FILES) if (kindOf(path) !== "absent") entries.push({ kind: "bind", path });
  return entries;
}

/**
 * Whether the sandbox's system mounts already show `path` (it lies in one of the library directories): such a
 * path needs no mount of its own, and must get none (a mount point cannot be made inside a read-only bind).
 */
export function systemMountsCover(path: string): boolean {
  return LIBRARY_PATHS.some((dir) => isInside(dir, path) && kindOf(dir) !== "absent");
}

/** Symbolic links recreated in the sandbox as the host has them (e.g. a venv's bin/python → /usr/bin/python3). */
export function linkMounts(links: readonly { path: string; target: string }[]): MountEntry[] {
  return links.map(({ path, target }) => ({ kind: "symlink", path, target }));
}

/** Read-only binds for `paths` (programs, bundles, an app's directory), skipping duplicates. */
export function bindMounts(paths: readonly string[]): MountEntry[] {
  return [...new Set(paths)].map((path) => ({ kind: "bind", path }));
}
