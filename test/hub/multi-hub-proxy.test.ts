// Several hubs on PostgreSQL (docs/operations.md): three `gatehouse start` processes with the same
// database, keys and public URL behind one round-robin proxy. Sessions, pending sign-ins (OAuth state) and
// refresh locks live in the database, so any hub answers any request; a hub killed with SIGKILL in the
// middle of a refresh storm leaves the others to finish every request (the proxy sends a request whose hub
// died to the next one, as nginx's proxy_next_upstream does: see test/helpers/roundRobinProxy.ts).
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import { createPgDatabase } from "../helpers/databases.ts";
import { updateConnections } from "../helpers/directWrites.ts";
import { startHubCluster, TOKEN_PATH, type HubCluster } from "../helpers/hubCluster.ts";
import { HubClient } from "../helpers/hub.ts";

const pgUrl = inject("pgUrl");
const HUBS = 3;
const STORM = 300;

describe.skipIf(!pgUrl)(`${HUBS} hub processes behind one URL on PostgreSQL`, () => {
  let emulators: Emulators;
  let cluster: HubCluster;
  let drop: () => void | Promise<void>;

  beforeAll(async () => {
    const database = await createPgDatabase(pgUrl!);
    drop = () => database.drop();
    emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: [] });
    cluster = await startHubCluster({ databaseUrl: database.url, emulators, hubs: HUBS });
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
    await emulators?.close();
    await drop?.();
  });

  /** Sessions of this test's database inside a transaction that waits on the hub: a held refresh lock. */
  async function idleInTransaction(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state = 'idle in transaction'`.execute(cluster.store.db);
    return rows[0]?.n ?? 0;
  }

  async function until(condition: () => Promise<boolean>): Promise<void> {
    while (!(await condition())) await new Promise((r) => setTimeout(r, 10));
  }

  async function connectionStatus(): Promise<string | undefined> {
    const row = await cluster.store.db
      .selectFrom("connections")
      .select("status")
      .where("integration_id", "=", cluster.integration.id)
      .where("user_id", "=", cluster.aliceId)
      .executeTakeFirst();
    return row?.status;
  }

  it("a session and a connect flow work through the proxy whichever hub answers; every hub hands out the same token", async () => {
    const alice = await cluster.signIn();
    // Round robin: these land on every hub in turn, each must know the session.
    for (let i = 0; i < HUBS * 2; i++) {
      const me = await alice.get<{ email: string }>("/api/me");
      expect(me.status).toBe(200);
      expect(me.body.email).toBe("alice@example.com");
    }
    // The login route and the callback are answered by different hubs (the OAuth state is in the database).
    expect(await cluster.connect(alice)).toBe(302);
    expect(await connectionStatus()).toBe("connected");
    const tokens = new Set<string>();
    for (const hub of cluster.hubs) {
      const client = new HubClient(hub.url, cluster.url);
      client.bearer = cluster.pat;
      const res = await client.get<{ accessToken: string }>(TOKEN_PATH);
      expect(res.status).toBe(200);
      tokens.add(res.body.accessToken);
    }
    expect(tokens.size).toBe(1);
  });

  it("SIGKILL of one hub mid-storm: the others finish every request, with one refresh upstream", async () => {
    await updateConnections(
      cluster.store.db,
      { expires_at: Date.now() - 1_000 },
      { userId: cluster.aliceId },
    );
    emulators.bentley.knobs.set({ latency: { target: "token", ms: 300 } });
    emulators.bentley.resetStats();
    try {
      const headers = { authorization: `Bearer ${cluster.pat}` };
      const get = (base: string): Promise<{ status: number; body: { accessToken?: string } }> =>
        fetch(`${base}${TOKEN_PATH}`, { headers, signal: AbortSignal.timeout(60_000) }).then(
          async (res) => ({ status: res.status, body: (await res.json()) as { accessToken?: string } }),
          () => ({ status: 0, body: {} }),
        );
      // Hub 0 starts the refresh (directly, not through the proxy), so the hub we kill is not the one
      // holding the refresh: that interleaving is test/faults/hub-kill.test.ts's subject. Wait until it
      // holds the row lock (its transaction idles while the provider answers), then start the storm, and
      // kill hub 1 once the proxy has handed it its share.
      const first = get(cluster.hubs[0]!.url);
      await until(async () => (await idleInTransaction()) > 0);
      const forwarded = cluster.proxy.stats.requests;
      const storm = Array.from({ length: STORM }, () => get(cluster.url));
      await until(async () => cluster.proxy.stats.requests - forwarded >= HUBS);
      await cluster.kill(1);
      const results = [await first, ...(await Promise.all(storm))];
      const statuses = new Map<number, number>();
      for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect(Object.fromEntries(statuses), JSON.stringify(cluster.proxy.stats)).toEqual({ 200: STORM + 1 });
      expect(new Set(results.map((r) => r.body.accessToken)).size).toBe(1);
      expect(emulators.bentley.stats().token.refresh_token).toEqual({ ok: 1, error: 0 });
      expect(await connectionStatus()).toBe("connected");
      // Requests that were on the killed hub went to another one.
      expect(cluster.proxy.stats.failed).toBe(0);
      console.log(`[multi-hub] proxy after the kill: ${JSON.stringify(cluster.proxy.stats)}`);
    } finally {
      emulators.bentley.knobs.set({ latency: null });
      await cluster.restart(1);
    }
    // The restarted hub serves the refreshed token too.
    const client = new HubClient(cluster.hubs[1]!.url, cluster.url);
    client.bearer = cluster.pat;
    expect((await client.get(TOKEN_PATH)).status).toBe(200);
  }, 120_000);
});
