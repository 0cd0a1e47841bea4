/**
 * The emulators' data directory holds signing keys, refresh tokens and sessions: as private as the hub's
 * own keys file. The directory is 0700 and every file in it 0600, whatever the umask; a file is written
 * whole (temp file, then rename) so a reader never sees half of it.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { makePrivate } from "../../privateFiles.ts";

export { makePrivate, writePrivateFile } from "../../privateFiles.ts";

export class EmulatorStateError extends Error {
  readonly code = "emulator_state";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EmulatorStateError";
  }
}

const onPosix = process.platform !== "win32";

/** Creates `dir` (and its parents) if missing and makes it 0700; refuses a path that is not a directory. */
export function preparePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new EmulatorStateError(
      `cannot create the emulators' data directory ${dir}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!statSync(dir).isDirectory()) {
    throw new EmulatorStateError(`the emulators' data directory ${dir} is not a directory`);
  }
  if (onPosix) chmodSync(dir, 0o700);
}

/** Creates `file` empty with mode 0600 unless it exists, so that whatever opens it next starts private. */
export function touchPrivate(file: string): void {
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  makePrivate(file);
}

/** The file's text, or null when it does not exist. */
export function readTextIfExists(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new EmulatorStateError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}
