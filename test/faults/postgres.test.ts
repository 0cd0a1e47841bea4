// PostgreSQL restarted under load: a hub whose database goes away answers /readyz 503 and the token API
// with a problem (never a crash, never a hang), and recovers by itself once the server is back — no restart
// of the hub. A dedicated throwaway cluster (test/helpers/pgCluster.ts), so the shared one stays up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgBinariesAvailable, startPgCluster, type PgCluster } from "../helpers/pgCluster.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";
import { HANG_GUARD_MS, waitUntil } from "../helpers/waitUntil.ts";

const TOKEN = "/api/apps/itwin-browser/integrations/bentley-itwin/token";
/** Recovery includes PostgreSQL's own start and the pool reconnecting: a hang guard twice the usual. */
const RECOVERY_GUARD_MS = 2 * HANG_GUARD_MS;

describe.skipIf(!pgBinariesAvailable())("PostgreSQL stopped and started under load", () => {
  let cluster: PgCluster;
  let t: TestHub;
  let alice: HubClient;

  beforeAll(async () => {
    cluster = await startPgCluster();
    t = await startTestHub({ config: { databaseUrl: cluster.url } });
    alice = await t.signIn("alice@example.com");
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.destroy();
  });

  /** The status of GET `path`: with alice's session for the API, without cookies (as a load balancer's
   *  health check) for /readyz and /healthz. 0 when no answer came at all. */
  async function status(path: string): Promise<number> {
    const client = path.startsWith("/api/") ? alice : t.client();
    try {
      const res = await client.fetch("GET", path);
      await res.body?.cancel();
      return res.status;
    } catch {
      return 0; // no answer at all
    }
  }

  /** Polls `path` until it answers `wanted`; resolves to how long that took (reported, never asserted). */
  async function until(path: string, wanted: number, timeoutMs = HANG_GUARD_MS): Promise<number> {
    const started = Date.now();
    await waitUntil(`${path} answers ${wanted}`, async () => (await status(path)) === wanted, {
      timeoutMs,
      intervalMs: 100,
    });
    return Date.now() - started;
  }

  it("readyz 503 while the database is down, 200 again after; the token API answers throughout and recovers", async () => {
    expect(await status("/readyz")).toBe(200);
    expect(await status(TOKEN)).toBe(200);
    // Steady load all along: token requests, 4 at a time.
    const seen: { phase: string; status: number }[] = [];
    let phase = "before";
    let stop = false;
    /** Waits until the load has had `n` answers in `wanted` phase: the phases last answers, not seconds. */
    const answersIn = async (wanted: string, n: number) => {
      while (seen.filter((s) => s.phase === wanted).length < n) await new Promise((r) => setTimeout(r, 20));
    };
    const workers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const started = Date.now();
        const code = await status(TOKEN);
        seen.push({ phase, status: code });
        // Every request gets an answer, database or not. The hub's own bound is the pool's 20 s connection
        // timeout; this one only catches a request that never ends, so it leaves a slow machine room.
        expect(Date.now() - started).toBeLessThan(HANG_GUARD_MS);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    await answersIn("before", 8);
    phase = "down";
    await cluster.stop();
    await until("/readyz", 503);
    expect(await status("/healthz")).toBe(200); // the process itself is fine
    await answersIn("down", 8);
    await cluster.start();
    phase = "recovering";
    const recoveredInMs = await until("/readyz", 200, RECOVERY_GUARD_MS);
    await until(TOKEN, 200);
    phase = "after";
    await answersIn("after", 8);
    stop = true;
    await Promise.all(workers);

    const by = (p: string) => seen.filter((s) => s.phase === p).map((s) => s.status);
    expect(by("before").every((s) => s === 200)).toBe(true);
    // While down: the held token or 503 (a load balancer retries elsewhere), never a 500 or a dropped connection.
    expect(by("down").length).toBeGreaterThan(0);
    expect(by("down").every((s) => s === 200 || s === 503)).toBe(true);
    expect(by("down")).not.toContain(0);
    expect(by("after").length).toBeGreaterThan(0);
    expect(by("after").every((s) => s === 200)).toBe(true);
    console.log(
      `[faults postgres] /readyz back ${recoveredInMs} ms after the server started; statuses while down: ` +
        JSON.stringify(Object.fromEntries(countBy(by("down")))),
    );
    // And writes work again too: a new personal access token.
    expect((await alice.post("/api/me/tokens", { name: "after-restart" })).status).toBe(201);
  }, 180_000);

  // The authentication hook looks the session cookie up before any route, so this once answered 500 from the
  // hook; database-unavailable errors now map to 503 database_unavailable wherever they surface.
  it("with a session cookie, /readyz answers 503 (not 500) while the database is down", async () => {
    await cluster.stop();
    try {
      const res = await alice.fetch("GET", "/readyz");
      await res.body?.cancel();
      expect(res.status).toBe(503);
    } finally {
      await cluster.start();
      await until("/readyz", 200, RECOVERY_GUARD_MS);
    }
  }, 120_000);
});

function countBy(values: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
