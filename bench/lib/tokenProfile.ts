/**
 * token_profile: where one token read's CPU time goes. A hub started under `node --cpu-prof` at the
 * default log level takes the token_api load for a while, stops (the profile is written at exit), and its
 * busy time is split by part (bench/lib/profile.ts). Also the CPU time per request, profiler included.
 *
 *   npm run bench -- --rows token_profile
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { round } from "./load.ts";
import { PARTS, summarise, type CpuProfile } from "./profile.ts";
import { row, type BenchRow } from "./rows.ts";
import type { BenchSeed } from "./seed.ts";
import { bearer, checkToken, startBenchHub } from "./servers.ts";
import { CONNECTIONS } from "./tokenApi.ts";
import { httpLoad } from "./wrk.ts";

export interface ProfileTarget {
  dialect: "sqlite" | "postgres";
  databaseUrl: string;
  seed: BenchSeed;
}

export async function tokenProfileRows(
  targets: ProfileTarget[],
  options: { quick: boolean; log: (message: string) => void },
): Promise<BenchRow[]> {
  const seconds = options.quick ? 4 : 10;
  const rows: BenchRow[] = [];
  for (const { dialect, databaseUrl, seed } of targets) {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-profile-"));
    try {
      // From source (tsx), not the CLI's build: the profile's frames then name src/ files, which is how the
      // parts are told apart. The code run per request is the same.
      const hub = await startBenchHub(databaseUrl, seed, {
        nodeArgs: ["--cpu-prof", "--cpu-prof-dir", dir],
        env: { GATEHOUSE_FROM_SOURCE: "1" },
      });
      let requests = 1;
      let tool = "";
      try {
        await checkToken(seed, hub.url);
        const url = `${hub.url}${seed.tokenPath}`;
        const warm = await httpLoad(url, { headers: bearer(seed), seconds: 2, connections: CONNECTIONS });
        const measured = await httpLoad(url, { headers: bearer(seed), seconds, connections: CONNECTIONS });
        requests += warm.requests + measured.requests;
        tool = measured.tool;
      } finally {
        await hub.stop();
      }
      const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
      if (!file) throw new Error("the hub wrote no CPU profile");
      // BENCH_PROFILE_DIR keeps the profiles (open them in Chrome's DevTools, or summarise them again).
      const keep = process.env.BENCH_PROFILE_DIR;
      if (keep) copyFileSync(join(dir, file), join(keep, `token-${dialect}-${Date.now()}.cpuprofile`));
      // From the first token request to the last: the start-up (module loading) and shutdown left out.
      const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
      const summary = summarise(profile, /\/src\/hub\/(?:\w+\/)?(tokens|heldTokenLane)\.ts$/);
      options.log(`token_profile ${dialect} ${JSON.stringify(summary)} over ${requests} requests`);
      const load = `${tool}, 2 + ${seconds} s, under --cpu-prof, hub run from source`;
      rows.push(
        row(
          "token_profile",
          `${dialect}: busy cpu_us per request (profiled)`,
          round((summary.busyMs * 1000) / requests),
          "µs",
          {
            load,
          },
        ),
      );
      for (const part of PARTS) {
        rows.push(row("token_profile", `${dialect}: ${part}`, summary.shares[part], "% of busy", { load }));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
