import { isAbsolute, relative } from "node:path";

/** Whether `path` is `dir` or below it (both absolute, resolved paths). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}
