/** App directories for tests: a folder under `root` holding each of `files` (paths may name subfolders). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `root`/`dir` with `files` (relative path → text); returns the app directory's path. */
export function writeApp(root: string, dir: string, files: Record<string, string>): string {
  const path = join(root, dir);
  mkdirSync(path, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(path, name, ".."), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  return path;
}
