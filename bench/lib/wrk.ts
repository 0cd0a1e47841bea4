/**
 * wrk (Debian's `wrk`) as the load generator: a C program on its own core, with microsecond latencies, so the
 * process measured is not sharing an event loop or a core's worth of JavaScript with the load. Falls back to
 * autocannon (in this process, millisecond latencies) where wrk is not installed; every row says which ran.
 */
import { execFile, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { load, round, type LoadResult } from "./load.ts";

const REPORT = fileURLToPath(new URL("./wrk-report.lua", import.meta.url));

export interface HttpLoad extends LoadResult {
  /** "wrk -t1 -c50" or "autocannon -c50": the tool and its connections, for the row. */
  tool: string;
}

export interface HttpLoadOptions {
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
}

let wrkPath: string | null | undefined;

function findWrk(): string | null {
  if (wrkPath !== undefined) return wrkPath;
  try {
    wrkPath = execFileSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" }).trim() || null;
  } catch {
    wrkPath = null;
  }
  return wrkPath;
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  statusErrors: number;
  timeouts: number;
  p50Us: number;
  p99Us: number;
}

/** `connections` keep-alive connections on one wrk thread for `seconds`; a non-2xx/3xx answer is an error. */
export async function httpLoad(url: string, options: HttpLoadOptions): Promise<HttpLoad> {
  const wrk = findWrk();
  if (!wrk) {
    const result = await load(url, options);
    return { ...result, tool: `autocannon -c${options.connections}` };
  }
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const { stdout } = await promisify(execFile)(
    wrk,
    [
      "-t1",
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--timeout",
      "10s",
      "-s",
      REPORT,
      ...headerArgs,
      url,
    ],
    { timeout: (options.seconds + 30) * 1000 },
  );
  const line = stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const s = JSON.parse(line) as WrkSummary;
  return {
    tool: `wrk -t1 -c${options.connections}`,
    requestsPerSecond: round(s.requests / (s.durationUs / 1e6)),
    p50Ms: round(s.p50Us / 1000, 3),
    p99Ms: round(s.p99Us / 1000, 3),
    requests: s.requests,
    errors: s.connectErrors + s.readErrors + s.writeErrors + s.timeouts,
    non2xx: s.statusErrors,
  };
}
