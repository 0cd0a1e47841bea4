import type { z } from "zod";

/** "where: what" for the first problem zod found, e.g. `latency.ms: Too big: expected number to be <=120000`. */
export function firstIssue(error: z.ZodError, top = "the top level"): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : top;
  return `${where}: ${issue?.message ?? "invalid"}`;
}
