/**
 * view_e2e (CONTRACT §8): view invocations per second through the app runtime against the emulators.
 * A real hub with the example apps, alice connected through the emulator's sign-in pages, and autocannon
 * posting to the views API with a personal access token. Each itwin-browser invocation is a full view: a
 * capability minted and revoked, a token exchange, one iTwins page and one iModels request per iTwin.
 *
 *   node bin/run-ts.mjs bench/view-e2e.ts [--seconds 10] [--connections 8]
 */
import { resolve } from "node:path";
import autocannon from "autocannon";
import { startTestHub } from "../test/helpers/hub.ts";
import { useEmulatorHostMap } from "../test/helpers/appsHub.ts";

export interface ViewBenchRow {
  view: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

const VIEWS = [
  { app: "itwin-browser", view: "bentleyData", integration: "bentley-itwin" },
  { app: "itwin-service", view: "serviceITwins", integration: null },
] as const;

export async function runViewE2e(
  options: { seconds?: number; connections?: number } = {},
): Promise<ViewBenchRow[]> {
  const t = await startTestHub({
    config: { appsDirs: [resolve(import.meta.dirname, "../examples")], sandbox: true, logLevel: "warn" },
  });
  try {
    useEmulatorHostMap(t);
    const alice = await t.signIn("alice@example.com");
    await t.connect(alice, "bentley-itwin", "alice@example.com");
    const pat = await alice.post<{ token: string }>("/api/me/tokens", { name: "bench" });
    const rows: ViewBenchRow[] = [];
    for (const { app, view } of VIEWS) {
      const path = `/api/apps/${app}/views/${view}`;
      const warm = await alice.post(path, { params: {} });
      if (warm.status !== 200) throw new Error(`${path} answered ${warm.status}: ${warm.text.slice(0, 200)}`);
      const result = await autocannon({
        url: `${t.url}${path}`,
        method: "POST",
        headers: { authorization: `Bearer ${pat.body.token}`, "content-type": "application/json" },
        body: JSON.stringify({ params: {} }),
        connections: options.connections ?? 8,
        duration: options.seconds ?? 10,
      });
      rows.push({
        view: `${app}/${view}`,
        requestsPerSecond: Math.round(result.requests.average * 10) / 10,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors,
        non2xx: result.non2xx,
      });
    }
    return rows;
  } finally {
    await t.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const index = process.argv.indexOf(`--${name}`);
    return index > 0 ? Number(process.argv[index + 1]) : undefined;
  };
  const rows = await runViewE2e({ seconds: arg("seconds"), connections: arg("connections") });
  console.table(rows);
}
