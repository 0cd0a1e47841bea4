/**
 * refresh_storm with provider lifetimes shorter than the callers' minValidity: the emulator's lifetime knob
 * issues 5-second tokens against the default minValidity of 60 s, then 1-hour tokens against
 * `minValidity=86400`. Each round expires the connection (a write with its published change, as a refresh
 * would make) and sends a burst across the hubs; the capped margin must make exactly one upstream refresh per
 * expiry. The clock plays no part: expiry comes from the write, lifetimes from the knob.
 */
import { updateConnections } from "../../test/helpers/directWrites.ts";
import { burst } from "./load.ts";
import { row, type BenchRow } from "./rows.ts";
import { bearer } from "./servers.ts";
import type { BenchContext } from "./benches.ts";

const ROUNDS = 3;

interface Case {
  label: string;
  lifetimeSeconds: number;
  minValiditySeconds: number | null;
}

const CASES: Case[] = [
  { label: "5 s tokens, minValidity default 60 s", lifetimeSeconds: 5, minValiditySeconds: null },
  { label: "1 h tokens, minValidity 86400 s", lifetimeSeconds: 3600, minValiditySeconds: 86_400 },
];

export async function shortLifetimeStormRows(ctx: BenchContext, hubs: string[]): Promise<BenchRow[]> {
  const total = ctx.quick ? 300 : 1_000;
  const rows: BenchRow[] = [];
  try {
    for (const c of CASES) {
      await ctx.emulators.knobs({ accessTokenLifetimeSeconds: c.lifetimeSeconds });
      const path =
        c.minValiditySeconds === null
          ? ctx.seed.tokenPath
          : `${ctx.seed.tokenPath}?minValidity=${c.minValiditySeconds}`;
      const perExpiry: number[] = [];
      let errors = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await updateConnections(
          ctx.seed.store.db,
          { expires_at: Date.now() - 1_000 },
          { integrationId: ctx.seed.integration.id, userId: ctx.seed.userId },
        );
        await ctx.emulators.resetStats();
        const storm = await burst(hubs, path, bearer(ctx.seed), total);
        const stats = (await ctx.emulators.stats()).token.refresh_token ?? { ok: 0, error: 0 };
        perExpiry.push(stats.ok + stats.error);
        errors += total - storm.ok;
        ctx.log(
          `refresh_storm ${c.label} round ${round}: ${JSON.stringify(storm)} refresh ${JSON.stringify(stats)}`,
        );
      }
      const load = `${ROUNDS} expiries × ${total} requests over ${hubs.length} hubs`;
      // The round furthest from one refresh (0 would mean a stale token served, 2 a refresh loop).
      const worst = perExpiry.reduce((w, n) => (Math.abs(n - 1) > Math.abs(w - 1) ? n : w), 1);
      rows.push(
        row("refresh_storm", `${c.label}: upstream_refreshes_per_expiry (worst round)`, worst, "calls", {
          target: "== 1 calls",
          load,
        }),
        row("refresh_storm", `${c.label}: errors`, errors, "requests", { target: "== 0 requests", load }),
      );
    }
  } finally {
    await ctx.emulators.knobs({ accessTokenLifetimeSeconds: 3600 }).catch(() => undefined);
  }
  return rows;
}
