// SIGKILL of a hub during refresh storms: three `gatehouse start` processes on PostgreSQL behind the
// round-robin proxy, the Bentley emulator rotating refresh tokens with reuse detection (as by default),
// its token endpoint slowed so that a kill can land while a refresh is in flight.
//
// Rounds: GATEHOUSE_KILL_ROUNDS (default 5; `GATEHOUSE_KILL_ROUNDS=100` is the long run). Each round
// expires alice's token, sends a storm through the proxy, kills one hub at a varying moment, restarts it,
// and checks the connection. Client requests never fail for the kill (the proxy retries them on another
// hub). One interleaving does lose the connection, and is counted rather than hidden: the killed hub had
// sent the refresh and the provider rotated the refresh token, but the hub died before committing the new
// one. The next hub then presents the old, consumed refresh token; the provider sees reuse and revokes
// the grant (RFC 9700 §4.14.2). The second test shows it deterministically, what the user sees (401
// login_required with loginUrl, one reconnect fixes it), and the mitigation for planned stops: SIGTERM
// lets the in-flight refresh commit, so a rolling restart loses nothing.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import { createPgDatabase } from "../helpers/databases.ts";
import { updateConnections, updateIntegration } from "../helpers/directWrites.ts";
import { startHubCluster, TOKEN_PATH, type HubCluster } from "../helpers/hubCluster.ts";
import type { HubClient } from "../helpers/hub.ts";
import http from "node:http";

const pgUrl = inject("pgUrl");
const ROUNDS = Number(process.env.GATEHOUSE_KILL_ROUNDS ?? "5");
const STORM = 150;
const HUBS = 3;

interface Answer {
  status: number;
  code?: string;
  loginUrl?: string;
}

describe.skipIf(!pgUrl)("SIGKILL of a hub during refresh storms", () => {
  let emulators: Emulators;
  let cluster: HubCluster;
  let alice: HubClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createPgDatabase(pgUrl!);
    drop = async () => database.drop();
    emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: [] });
    cluster = await startHubCluster({ databaseUrl: database.url, emulators, hubs: HUBS });
    alice = await cluster.signIn();
    expect(await cluster.connect(alice)).toBe(302);
  }, 180_000);
  afterAll(async () => {
    emulators?.bentley.knobs.reset();
    await cluster?.close();
    await emulators?.close();
    await drop?.();
  });

  const get = (base: string): Promise<Answer> =>
    fetch(`${base}${TOKEN_PATH}`, {
      headers: { authorization: `Bearer ${cluster.pat}` },
      signal: AbortSignal.timeout(60_000),
    }).then(
      async (res) => {
        const body = (await res.json()) as { code?: string; loginUrl?: string };
        return { status: res.status, code: body.code, loginUrl: body.loginUrl };
      },
      () => ({ status: 0 }),
    );

  async function expire(): Promise<void> {
    await updateConnections(
      cluster.store.db,
      { expires_at: Date.now() - 1_000 },
      { userId: cluster.aliceId },
    );
  }

  async function connectionStatus(): Promise<string | undefined> {
    const row = await cluster.store.db
      .selectFrom("connections")
      .select("status")
      .where("user_id", "=", cluster.aliceId)
      .executeTakeFirst();
    return row?.status;
  }

  it(`${ROUNDS} storms of ${STORM} requests with a hub killed in each: every request answered; lost connections counted`, async () => {
    emulators.bentley.knobs.set({ latency: { target: "token", ms: 100 } });
    const lostInRounds: number[] = [];
    const refreshCalls: number[] = [];
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        await expire();
        emulators.bentley.resetStats();
        const slot = round % HUBS;
        // The moment of the kill sweeps 0–190 ms after the storm starts: before, during and after the
        // 100 ms refresh.
        const delay = (round * 37) % 200;
        const storm = Array.from({ length: STORM }, () => get(cluster.url));
        await new Promise((r) => setTimeout(r, delay));
        await cluster.kill(slot);
        const answers = await Promise.all(storm);
        await cluster.restart(slot);
        const stats = emulators.bentley.stats().token.refresh_token;
        refreshCalls.push(stats.ok + stats.error);
        const status = await connectionStatus();
        const context = `round ${round} (kill slot ${slot} at ${delay} ms): ${JSON.stringify({ stats, status, proxy: cluster.proxy.stats })}`;
        // Nothing reaches the client as a transport error or a 5xx: the proxy moved the killed hub's
        // requests to the others.
        expect(
          answers.filter((a) => a.status === 0 || a.status >= 500),
          context,
        ).toEqual([]);
        if (status === "connected") {
          expect(
            answers.every((a) => a.status === 200),
            context,
          ).toBe(true);
        } else {
          // The interleaving above: the user is asked to sign in again, with where to go.
          lostInRounds.push(round);
          expect(status, context).toBe("reconnect_required");
          for (const a of answers.filter((x) => x.status !== 200)) {
            expect(a, context).toMatchObject({ status: 401, code: "login_required" });
            expect(a.loginUrl, context).toContain("/api/integrations/oauth2/login/bentley-itwin");
          }
          // The mitigation for the user: one reconnect.
          expect(await cluster.connect(alice), context).toBe(302);
        }
      }
    } finally {
      emulators.bentley.knobs.set({ latency: null });
    }
    console.log(
      `[faults hub kill] ${ROUNDS} rounds: connection lost in ${lostInRounds.length} ` +
        `(rounds ${JSON.stringify(lostInRounds)}); refresh calls per round ${JSON.stringify(refreshCalls)}; ` +
        `proxy ${JSON.stringify(cluster.proxy.stats)}`,
    );
    expect(cluster.proxy.stats.failed).toBe(0);
    expect(await connectionStatus()).toBe("connected");
    expect((await get(cluster.url)).status).toBe(200);
  }, 900_000);

  describe("the hub that holds the refresh dies after the provider rotated, before it committed", () => {
    // Between the hub and the emulator's token endpoint: requests pass at once (so the provider rotates
    // the refresh token at once); an answer can be held until the test releases it — the window in which
    // the hub is stopped. Events, not delays: the test waits for "the provider has answered".
    let hold: AnswerHoldingProxy;
    let tokenUrl: string;

    beforeAll(async () => {
      hold = await startAnswerHoldingProxy(emulators.bentley.url);
      const row = await cluster.store.db
        .selectFrom("integrations")
        .select("token_url")
        .where("id", "=", cluster.integration.id)
        .executeTakeFirstOrThrow();
      tokenUrl = row.token_url;
      await updateIntegration(cluster.store.db, cluster.integration.id, {
        token_url: `${hold.url}${new URL(tokenUrl).pathname}`,
      });
    });
    afterAll(async () => {
      await updateIntegration(cluster.store.db, cluster.integration.id, { token_url: tokenUrl });
      await hold?.close();
    });

    /** A refresh on hub 0 whose answer is held while `stop` runs; `release` lets the answer go on. */
    async function inFlightRefreshThen(
      stop: (slot: number, release: () => void) => Promise<void>,
    ): Promise<void> {
      await expire();
      emulators.bentley.resetStats();
      const held = hold.holdNext();
      try {
        // Hub 0 takes the refresh (a direct request, not through the proxy) …
        const first = get(cluster.hubs[0]!.url);
        await held.answered;
        // … the provider has answered (rotated), the answer is on its way: stop the hub now.
        expect(emulators.bentley.stats().token.refresh_token.ok).toBe(1);
        await stop(0, held.release);
        await first;
      } finally {
        held.release();
        await cluster.restart(0);
      }
    }

    it("SIGKILL: the rotated refresh token is lost with the process, the next refresh is reuse, the user reconnects once", async () => {
      await inFlightRefreshThen(async (slot, release) => {
        await cluster.kill(slot);
        release();
      });
      // The provider did rotate: the new refresh token died with the hub.
      const next = await get(cluster.url);
      expect(next).toMatchObject({ status: 401, code: "login_required" });
      expect(next.loginUrl).toContain("/api/integrations/oauth2/login/bentley-itwin");
      expect(await connectionStatus()).toBe("reconnect_required");
      expect(await cluster.connect(alice)).toBe(302);
      expect((await get(cluster.url)).status).toBe(200);
    }, 120_000);

    it("SIGTERM (a planned stop): the hub finishes the refresh before exiting, nothing is lost", async () => {
      let exit = "";
      await inFlightRefreshThen(async (slot, release) => {
        const hub = cluster.hubs[slot]!;
        const started = Date.now();
        const stopping = hub.stop();
        // Let the answer through only once the hub is shutting down (it no longer takes requests).
        await closing(hub.url);
        release();
        await stopping;
        exit = `${hub.process.exitCode ?? hub.process.signalCode} after ${Date.now() - started} ms`;
      });
      console.log(`[faults hub kill] SIGTERM during the refresh: exited ${exit}`);
      // Exits by itself: a keep-alive connection busy when SIGTERM came once held the process open (the
      // harness's SIGKILL after 10 s ended it); answers sent after close() began now carry Connection: close.
      expect(exit).not.toMatch(/^SIGKILL/);
      expect(await connectionStatus()).toBe("connected");
      expect((await get(cluster.url)).status).toBe(200);
      // One refresh in all: the token the stopping hub committed is the one served afterwards.
      expect(emulators.bentley.stats().token.refresh_token).toEqual({ ok: 1, error: 0 });
    }, 120_000);
  });
});

/** Resolves once the hub at `url` has begun shutting down: new requests are refused, or answered 503. */
async function closing(url: string): Promise<void> {
  for (;;) {
    const status = await fetch(`${url}/healthz`).then(
      async (res) => {
        await res.body?.cancel();
        return res.status;
      },
      () => 0,
    );
    if (status !== 200) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface AnswerHoldingProxy {
  url: string;
  /** Holds the next answer: `answered` once it has come from upstream, passed on at `release()`. */
  holdNext(): { answered: Promise<void>; release: () => void };
  close(): Promise<void>;
}

/** Forwards every request to `target` at once; an answer armed by holdNext() waits for its release. */
async function startAnswerHoldingProxy(target: string): Promise<AnswerHoldingProxy> {
  let armed: { answered(): void; released: Promise<void> } | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const hold = armed;
      armed = null;
      const upstream = http.request(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: { ...req.headers, host: new URL(target).host }, timeout: 30_000 },
        (response) => {
          const body: Buffer[] = [];
          response.on("data", (c: Buffer) => body.push(c));
          response.on("end", () => {
            const pass = () => {
              if (res.destroyed) return;
              res.writeHead(response.statusCode ?? 502, response.headers);
              res.end(Buffer.concat(body));
            };
            if (!hold) return pass();
            hold.answered();
            void hold.released.then(pass);
          });
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    holdNext() {
      let answered!: () => void;
      let release!: () => void;
      const answer = new Promise<void>((resolve) => (answered = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      armed = { answered, released };
      return { answered: answer, release };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
