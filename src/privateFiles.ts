/**
 * Files only this user may read (tokens, keys, sessions): 0600 whatever the umask, and written whole (a temp
 * file renamed over the old one) so that a reader never sees half of one.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, renameSync, unlinkSync, writeFileSync } from "node:fs";

const onPosix = process.platform !== "win32";

/** Makes an existing file 0600 (the umask can only take bits away, but a copied file may carry any mode). */
export function makePrivate(file: string): void {
  if (onPosix && existsSync(file)) chmodSync(file, 0o600);
}

/** Writes `text` to `file` atomically with mode 0600. */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
    makePrivate(tmp);
    renameSync(tmp, file);
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}
