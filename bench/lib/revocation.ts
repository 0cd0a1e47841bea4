/**
 * revocation_propagation_ms: two hub processes on one PostgreSQL database. Each trial makes a personal
 * access token, has hub B answer with it twice (so B holds it in its credential cache), revokes it on hub A
 * (`DELETE /api/me/tokens/:id`, in a browser session: tokens cannot manage tokens) and asks B back to back
 * until B refuses it. The time runs from sending the
 * DELETE to B's first 401; after that B is asked a few more times, and every 200 then counts as a request
 * served with a revoked credential past the bound.
 */
import { AccountStore } from "../../src/hub/identity/accounts.ts";
import { startHub, type Child } from "../../test/helpers/hubProcesses.ts";
import { percentile, round } from "./load.ts";
import { row, type BenchRow } from "./rows.ts";
import type { BenchContext } from "./benches.ts";

const AFTER_REFUSAL_CHECKS = 5;

async function status(hub: Child, path: string, token: string): Promise<number> {
  const res = await fetch(`${hub.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Signs the seed's user in on `hub`; returns what a browser would send with a write there. */
async function browserSession(hub: Child, seed: BenchContext["seed"]): Promise<Record<string, string>> {
  const res = await fetch(`${hub.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: seed.email, password: seed.password }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (res.status >= 300 || !cookie) throw new Error(`hub A answered ${res.status} to the sign-in`);
  return { cookie, origin: hub.url };
}

async function revoke(hub: Child, id: string, session: Record<string, string>): Promise<number> {
  const res = await fetch(`${hub.url}/api/me/tokens/${id}`, {
    method: "DELETE",
    headers: session,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

export async function revocationRows(ctx: BenchContext): Promise<BenchRow[]> {
  const trials = ctx.quick ? 30 : 100;
  const accounts = new AccountStore(ctx.seed.store.db);
  const a = ctx.hub;
  const session = await browserSession(a, ctx.seed);
  const b = await startHub({ databaseUrl: ctx.databaseUrl, encryptionKeys: ctx.seed.keysEnv });
  const path = ctx.seed.tokenPath;
  const times: number[] = [];
  let servedPastBound = 0;
  let servedWhilePropagating = 0;
  try {
    for (let i = 0; i < trials; i++) {
      const pat = await accounts.createPersonalAccessToken(ctx.seed.userId, `revocation-${i}`);
      for (let k = 0; k < 2; k++) {
        const warm = await status(b, path, pat.token);
        if (warm !== 200) throw new Error(`hub B answered ${warm} to a fresh token`);
      }
      const started = performance.now();
      const revoked = await revoke(a, pat.id, session);
      if (revoked !== 204) throw new Error(`hub A answered ${revoked} to the revocation`);
      for (;;) {
        const answer = await status(b, path, pat.token);
        if (answer === 401) break;
        if (answer !== 200) throw new Error(`hub B answered ${answer} while the revocation propagated`);
        servedWhilePropagating += 1;
        if (performance.now() - started > 60_000) throw new Error("hub B never refused the revoked token");
      }
      times.push(performance.now() - started);
      for (let k = 0; k < AFTER_REFUSAL_CHECKS; k++) {
        if ((await status(b, path, pat.token)) === 200) servedPastBound += 1;
      }
    }
  } finally {
    await b.stop();
  }
  times.sort((x, y) => x - y);
  ctx.log(
    `revocation: ${trials} trials, ms ${times.map((t) => round(t, 1)).join(",")}; ` +
      `served while propagating ${servedWhilePropagating}, past the bound ${servedPastBound}`,
  );
  const load = `${trials} trials, 2 hub processes on PostgreSQL, PAT revoked on A, B asked back to back`;
  return [
    row("revocation_propagation_ms", "p50", round(percentile(times, 50), 2), "ms", { load }),
    row("revocation_propagation_ms", "p99", round(percentile(times, 99), 2), "ms", {
      target: "<= 100 ms",
      load,
    }),
    row("revocation_propagation_ms", "served_after_refusal", servedPastBound, "requests", {
      target: "== 0 requests",
      load: `${AFTER_REFUSAL_CHECKS} requests on B after its first refusal, per trial`,
    }),
    // B's 200s between A's 204 and B's first 401: the propagation window itself, reported, no target.
    row("revocation_propagation_ms", "served_while_propagating", servedWhilePropagating, "requests", {
      load,
    }),
  ];
}
