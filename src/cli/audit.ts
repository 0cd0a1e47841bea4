/**
 * `gatehouse audit export --since …`: the audit trail as JSON lines on stdout, oldest first, for a SIEM or
 * an archive beyond GATEHOUSE_AUDIT_RETENTION_DAYS. Read only.
 */
import { AuditLog } from "../hub/identity/auditLog.ts";
import { eventView } from "../hub/identity/auditRoutes.ts";
import { usageError } from "./cliError.ts";
import { hubConfig, openHubDatabase } from "./hubConfig.ts";

export interface ExportFlags {
  since?: string;
  until?: string;
}

export interface AuditIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const DAY_MS = 86_400_000;

/** An ISO 8601 date or time (`2026-11-01`, `2026-11-01T08:00:00Z`) or a number of days back (`30d`). */
export function parseInstant(flag: string, value: string, now: number): number {
  const days = /^(\d{1,5})d$/.exec(value.trim());
  if (days) return now - Number(days[1]) * DAY_MS;
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())
    ? Date.parse(value.trim())
    : Number.NaN;
  if (Number.isNaN(at)) {
    throw usageError(
      `${flag} must be an ISO date or time (2026-11-01, 2026-11-01T08:00:00Z) or days back (30d); got "${value}"`,
    );
  }
  return at;
}

export async function exportAudit(flags: ExportFlags, io: AuditIo, now = Date.now()): Promise<number> {
  if (!flags.since) throw usageError("--since is required (an ISO date or time, or days back such as 30d)");
  const since = parseInstant("--since", flags.since, now);
  const until = flags.until === undefined ? undefined : parseInstant("--until", flags.until, now);
  const config = hubConfig(io.env);
  const store = await openHubDatabase(config);
  let count = 0;
  try {
    for await (const event of new AuditLog(store.db).exportSince(since, until)) {
      // Respect back-pressure: a slow pipe (| gzip > file) must not make the whole trail sit in memory.
      if (!io.out.write(`${JSON.stringify(eventView(event))}\n`)) {
        await new Promise<void>((resolve) => io.out.once("drain", () => resolve()));
      }
      count += 1;
    }
  } finally {
    await store.close();
  }
  io.err.write(`Exported ${count} audit events since ${new Date(since).toISOString()}.\n`);
  return 0;
}
