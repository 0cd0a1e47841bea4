/** Load generation and latency summaries for the bench rows. */
import http from "node:http";
import autocannon from "autocannon";

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  headers?: Record<string, string>;
  method?: "GET" | "POST";
  body?: string;
  connections?: number;
  seconds: number;
  /** Requests per second for the whole run (steady rate); default: as fast as it goes. */
  overallRate?: number;
}

/** autocannon against one URL. */
export async function load(url: string, options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: options.method ?? "GET",
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 10,
    duration: options.seconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
  return {
    requestsPerSecond: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export interface BurstResult {
  ok: number;
  errors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * `total` requests issued at the same moment, round-robin over `baseUrls`, each over a keep-alive pool
 * of `socketsPerTarget` sockets per target (opening 10,000 TCP connections at once would measure the
 * kernel's SYN backlog, not the hub). Latency is from issue to full response, so it includes waiting for
 * a socket. A request is an error unless it answers 200.
 */
export async function burst(
  baseUrls: string[],
  path: string,
  headers: Record<string, string>,
  total: number,
  socketsPerTarget = 128,
): Promise<BurstResult> {
  const agents = baseUrls.map(() => new http.Agent({ keepAlive: true, maxSockets: socketsPerTarget }));
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  const one = (index: number) =>
    new Promise<void>((resolve) => {
      const target = new URL(path, baseUrls[index % baseUrls.length]);
      const started = performance.now();
      const request = http.get(
        target,
        { agent: agents[index % baseUrls.length], headers, timeout: 60_000 },
        (response) => {
          response.resume();
          response.on("end", () => {
            latencies.push(performance.now() - started);
            if (response.statusCode === 200) ok++;
            else errors[`http_${response.statusCode}`] = (errors[`http_${response.statusCode}`] ?? 0) + 1;
            resolve();
          });
        },
      );
      request.on("timeout", () => request.destroy(new Error("timeout")));
      request.on("error", (error: NodeJS.ErrnoException) => {
        latencies.push(performance.now() - started);
        const code = error.code ?? error.message;
        errors[code] = (errors[code] ?? 0) + 1;
        resolve();
      });
    });
  await Promise.all(Array.from({ length: total }, (_, i) => one(i)));
  for (const agent of agents) agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    ok,
    errors,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? NaN),
  };
}
