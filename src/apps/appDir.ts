/**
 * The app directory as the runtime uses it: its real path (what the sandbox mounts and the bundler confines
 * to), refused when it holds a symbolic link that leads outside it. Such a link would let the app (or its
 * bundle) read a file of the hub's wherever no sandbox stops it; in the sandbox it would lead nowhere, and
 * the app is refused all the same so that an app behaves alike on every host.
 *
 * Hard links cannot be told from the file itself; that one cannot link a file one may not read is the
 * kernel's rule (fs.protected_hardlinks = 1, the default on Linux distributions).
 */
import { readdirSync, readlinkSync, realpathSync, type Dirent } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { isInside } from "./paths.ts";

/** Beyond this many entries the directory is refused: every one of them is checked at each start. */
export const MAX_APP_DIR_ENTRIES = 200_000;

/** The app directory cannot be used; the message names the link (or what else is wrong). */
export class AppDirError extends Error {}

/** Where a link leads: its real path, or for a dangling one, where its text points. */
function targetOf(link: string): string {
  try {
    return realpathSync(link);
  } catch {
    return resolve(realpathSync(dirname(link)), readlinkSync(link));
  }
}

/**
 * Directories an app directory may not be: the sandbox mounts the app directory whole, so one of these
 * would put the host's own files (or hide the sandbox's /tmp) in every app's view.
 */
const SYSTEM_DIRS = [
  "/",
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/home",
  "/lib",
  "/lib64",
  "/opt",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/srv",
  "/sys",
  "/tmp",
  "/usr",
  "/var",
];

/**
 * Why the real path `real` must not be mounted into a sandbox whole, or null: it is a system directory, or it
 * holds one of `forbidden` (the hub's data directory: the mount would carry it along). Said as the end of a
 * sentence about it ("… is a system directory").
 */
export function mountRefusal(real: string, forbidden: readonly string[]): string | null {
  if (SYSTEM_DIRS.includes(real)) return `${real} is a system directory`;
  for (const path of forbidden) {
    let target: string;
    try {
      target = realpathSync(path);
    } catch {
      continue; // not made yet: nothing to carry along
    }
    if (isInside(real, target)) return `${real} holds the hub's data directory ${target}; move one of them`;
  }
  return null;
}

/**
 * The real path of `dir`, after checking every link under it (recursively, never following one), and that it
 * holds none of `forbidden` (the hub's data directory: a mount of the app directory would carry it along).
 */
export function checkAppDirectory(dir: string, forbidden: readonly string[] = []): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (err) {
    throw new AppDirError(`the app directory ${dir} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  const refusal = mountRefusal(real, forbidden);
  if (refusal) throw new AppDirError(`the app directory ${refusal}`);
  const pending = [real];
  let entries = 0;
  while (pending.length > 0) {
    const current = pending.pop()!;
    let list: Dirent[];
    try {
      list = readdirSync(current, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new AppDirError(`${relative(real, current) || "the app directory"} cannot be read (${code})`);
    }
    for (const entry of list) {
      if (++entries > MAX_APP_DIR_ENTRIES) {
        throw new AppDirError(
          `the app directory holds more than ${MAX_APP_DIR_ENTRIES} files and directories`,
        );
      }
      const path = join(current, entry.name);
      if (entry.isSymbolicLink()) {
        const target = targetOf(path);
        if (!isInside(real, target)) {
          throw new AppDirError(
            `${relative(real, path)} is a link to ${target}, outside the app directory; an app's links must stay inside it`,
          );
        }
      } else if (entry.isDirectory()) pending.push(path);
    }
  }
  return real;
}
