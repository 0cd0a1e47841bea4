/**
 * view_e2e (CONTRACT §8): view invocations per second through the app runtime, with the app sandbox on and
 * off in the same run. Two real hubs with the example apps and bench/apps (one GATEHOUSE_APP_SANDBOX=auto,
 * sandboxed here; one =off), alice connected through the emulator's sign-in pages, and autocannon posting to
 * the views API with a personal access token, alternating between the hubs round by round so that drift in
 * the machine's load falls on both. Each itwin-browser invocation is a full view (a capability minted and
 * revoked, a token exchange, one iTwins page and one iModels request per iTwin): the emulator bounds it, so
 * bench-noop/ping, which calls no provider, shows what the runtime itself costs. itwin-browser-py (the
 * Bentley guide's Python code) and bench-noop-py run the same work as Python apps, in the same run.
 *
 *   node bin/run-ts.mjs bench/view-e2e.ts [--seconds 10] [--connections 8] [--rounds 3]
 */
import { resolve } from "node:path";
import autocannon from "autocannon";
import { startTestHub, type TestHub } from "../test/helpers/hub.ts";
import { useEmulatorHostMap } from "../test/helpers/appsHub.ts";
import type { AppRegistry } from "../src/apps/registry.ts";
import type { SandboxSetting } from "../src/apps/sandbox/settings.ts";

export interface ViewRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export interface ViewBenchRow {
  view: string;
  /** Median over the rounds, sandboxed and not. */
  sandboxed: ViewRun;
  unsandboxed: ViewRun;
  rounds: number;
  /** Whether the sandboxed hub really ran its apps in the sandbox (false where bubblewrap cannot run). */
  sandboxActive: boolean;
}

const VIEWS = [
  { app: "itwin-browser", view: "bentleyData" },
  { app: "itwin-browser-py", view: "get_bentley_data" },
  { app: "itwin-service", view: "serviceITwins" },
  { app: "bench-noop", view: "ping" },
  { app: "bench-noop-py", view: "ping" },
] as const;

/** Each Python view and the TypeScript view it is the twin of: the same work in the other language. */
export const PYTHON_TWINS: readonly (readonly [python: string, typescript: string])[] = [
  ["itwin-browser-py/get_bentley_data", "itwin-browser/bentleyData"],
  ["bench-noop-py/ping", "bench-noop/ping"],
];

export const BENCH_APPS_DIRS = [
  resolve(import.meta.dirname, "../examples"),
  resolve(import.meta.dirname, "apps"),
];

interface BenchHub {
  t: TestHub;
  token: string;
}

async function startHub(appSandbox: SandboxSetting): Promise<BenchHub> {
  const t = await startTestHub({
    config: { appsDirs: BENCH_APPS_DIRS, sandbox: true, logLevel: "warn", appSandbox },
  });
  useEmulatorHostMap(t);
  const alice = await t.signIn("alice@example.com");
  await t.connect(alice, "bentley-itwin", "alice@example.com");
  const pat = await alice.post<{ token: string }>("/api/me/tokens", { name: "bench" });
  for (const { app, view } of VIEWS) {
    const warm = await alice.post(`/api/apps/${app}/views/${view}`, { params: {} });
    if (warm.status !== 200)
      throw new Error(`${app}/${view} answered ${warm.status}: ${warm.text.slice(0, 200)}`);
  }
  return { t, token: pat.body.token };
}

async function load(hub: BenchHub, path: string, seconds: number, connections: number): Promise<ViewRun> {
  const result = await autocannon({
    url: `${hub.t.url}${path}`,
    method: "POST",
    headers: { authorization: `Bearer ${hub.token}`, "content-type": "application/json" },
    body: JSON.stringify({ params: {} }),
    connections,
    duration: seconds,
  });
  return {
    requestsPerSecond: Math.round(result.requests.average * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const medianRun = (runs: ViewRun[]): ViewRun => ({
  requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
  p50Ms: median(runs.map((r) => r.p50Ms)),
  p99Ms: median(runs.map((r) => r.p99Ms)),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
});

export async function runViewE2e(
  options: { seconds?: number; connections?: number; rounds?: number } = {},
): Promise<ViewBenchRow[]> {
  const seconds = options.seconds ?? 10;
  const connections = options.connections ?? 8;
  const rounds = options.rounds ?? 3;
  const on = await startHub("auto");
  const off = await startHub("off");
  try {
    const sandboxActive = (on.t.hub.services.apps as AppRegistry).runtimeSettings.sandbox.active;
    const rows: ViewBenchRow[] = [];
    for (const { app, view } of VIEWS) {
      const path = `/api/apps/${app}/views/${view}`;
      const sandboxed: ViewRun[] = [];
      const unsandboxed: ViewRun[] = [];
      for (let round = 0; round < rounds; round++) {
        // Alternate which goes first, so that a trend in the machine's load is shared.
        const order = round % 2 === 0 ? [on, off] : [off, on];
        for (const hub of order) {
          const run = await load(hub, path, seconds, connections);
          (hub === on ? sandboxed : unsandboxed).push(run);
        }
      }
      rows.push({
        view: `${app}/${view}`,
        sandboxed: medianRun(sandboxed),
        unsandboxed: medianRun(unsandboxed),
        rounds,
        sandboxActive,
      });
    }
    return rows;
  } finally {
    await on.t.close();
    await off.t.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const index = process.argv.indexOf(`--${name}`);
    return index > 0 ? Number(process.argv[index + 1]) : undefined;
  };
  const rows = await runViewE2e({
    seconds: arg("seconds"),
    connections: arg("connections"),
    rounds: arg("rounds"),
  });
  console.log(JSON.stringify(rows, null, 2));
}
