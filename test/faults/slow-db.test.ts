// A slow database: the hub reaches PostgreSQL through a TCP relay that delays every packet by 20 ms each way
// (a 40 ms round trip, like a database in another zone). Everything still works, only slower: readiness,
// the connect flow, and a refresh storm on an expired token with exactly one refresh at the provider
// (the row lock is held across a slower transaction, and waiters still get the refreshed token).
import net from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../src/db/index.ts";
import { createPgDatabase } from "../helpers/databases.ts";
import { updateConnections } from "../helpers/directWrites.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";

const pgUrl = inject("pgUrl");
const DELAY_MS = 20;
const TOKEN = "/api/apps/itwin-browser/integrations/bentley-itwin/token";

/** A TCP relay to `target` that holds every chunk for `delayMs` in each direction (order kept). */
async function startSlowRelay(
  target: URL,
  delayMs: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk) => setTimeout(() => upstream.write(chunk), delayMs));
    upstream.on("data", (chunk) => setTimeout(() => client.write(chunk), delayMs));
    client.on("end", () => setTimeout(() => upstream.end(), delayMs));
    upstream.on("end", () => setTimeout(() => client.end(), delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!pgUrl)(`PostgreSQL ${DELAY_MS * 2} ms away`, () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let relay: Awaited<ReturnType<typeof startSlowRelay>>;
  let t: TestHub;
  let alice: HubClient;

  beforeAll(async () => {
    database = await createPgDatabase(pgUrl!);
    // Migrate over the fast path; the hub then only checks.
    await (await openDatabase(database.url)).close();
    const direct = new URL(database.url);
    relay = await startSlowRelay(direct, DELAY_MS);
    const slow = new URL(database.url);
    slow.port = String(relay.port);
    t = await startTestHub({ config: { databaseUrl: slow.toString() } });
    alice = await t.signIn("alice@example.com");
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await relay?.close();
    await database?.drop();
  });

  it("is ready, only slower; the connect flow works", async () => {
    const started = Date.now();
    const ready = await t.client().get("/readyz");
    expect(ready.status).toBe(200);
    // The relay is really in the path: a query costs at least one round trip.
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY_MS * 2);
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    expect((await alice.get(TOKEN)).status).toBe(200);
  }, 60_000);

  it("a storm of 100 requests on an expired token: all 200, one refresh at the provider", async () => {
    await updateConnections(t.hub.services.store.db, { expires_at: Date.now() - 1_000 });
    const bentley = t.emulators!.bentley;
    bentley.resetStats();
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => alice.get<{ accessToken: string }>(TOKEN)),
    );
    const took = Date.now() - started;
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((a) => a.body.accessToken)).size).toBe(1);
    expect(bentley.stats().token.refresh_token).toEqual({ ok: 1, error: 0 });
    console.log(
      `[faults slow db] 100 token requests over a ${DELAY_MS * 2} ms database round trip: ${took} ms`,
    );
  }, 120_000);
});
