/**
 * keys.json on disk: where it lives, and reading, creating and replacing it so that a reader never sees half
 * a file, two hubs starting together agree on one, and nobody but the owner can read it. What the file
 * holds is keyRing.ts's business.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { GatehouseError } from "../errors.ts";

export const ENCRYPTION_KEYS_VARIABLE = "GATEHOUSE_ENCRYPTION_KEYS";
export const KEYS_FILE_NAME = "keys.json";

export function keysFilePath(dataDir: string): string {
  return join(dataDir, KEYS_FILE_NAME);
}

/** The file's text, or null when there is none. */
export function readKeysFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw new GatehouseError(
      "invalid_encryption_keys",
      `keys file ${path} cannot be read (${code ?? "error"}); set ${ENCRYPTION_KEYS_VARIABLE} or fix the file`,
      { source: `keys file ${path}` },
      { cause: error },
    );
  }
}

function writePrivateFile(path: string, content: string): void {
  const fd = openSync(path, "wx", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600); // the umask can only remove bits, but be explicit
}

/** Writes `content` to `path` only if it does not exist yet; returns what `path` holds afterwards. */
export function createKeysFile(path: string, content: string): string {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writePrivateFile(tmp, content);
    try {
      linkSync(tmp, path); // atomic and fails if another process created the file first
      return content;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      return readFileSync(path, "utf8");
    }
  } finally {
    unlinkQuietly(tmp);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Refuses a file every user may read; warns about one its group may read. */
export function checkKeysFilePermissions(path: string): string[] {
  if (process.platform === "win32") return [];
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o007) {
    throw new GatehouseError(
      "insecure_keys_file",
      `keys file ${path} is accessible to every user (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
      { path },
    );
  }
  if (mode & 0o070) {
    return [`keys file ${path} is accessible to its group (mode ${mode.toString(8)}); chmod 600 recommended`];
  }
  return [];
}

/** Replaces the file atomically: a 0600 temp file, then a rename over it. */
export function replaceKeysFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writePrivateFile(tmp, content);
    renameSync(tmp, path);
  } finally {
    unlinkQuietly(tmp);
  }
}

/** The file's identity as last written (mtime, size, inode): a change means a rotation happened. */
export function keysFileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return "";
  }
}
