/**
 * `npm run bench` (CONTRACT §8): each row measured side by side with its baseline in one run on this
 * machine; prints a table and writes bench/results.json.
 *
 *   npm run bench                                  all rows except the soak
 *   npm run bench -- --quick                       smaller N and shorter runs, for a fast look
 *   npm run bench -- --rows token_api,scale        only these rows (also BENCH_ROWS=…)
 *   npm run bench -- --soak                        adds the 60 s soak (or --rows soak)
 *
 * Rows: token_api, token_profile, revocation_propagation_ms, refresh_storm, scale, view_e2e, app_start_ms,
 * cold_start_ms, soak. PostgreSQL: GATEHOUSE_TEST_PG_URL when set, else a throwaway cluster like the test
 * suite's; SQLite: a file in a temp directory. Hubs run as `gatehouse start` child processes at the default
 * log level and the emulators as `gatehouse emulate`; the load comes from wrk (Debian's `wrk`) where it is
 * installed, else autocannon in this process — each row names its load.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startBenchPostgres, type BenchPostgres } from "./lib/pg.ts";
import { startEmulatorProcess, type Child, type EmulatorProcess } from "../test/helpers/hubProcesses.ts";
import { formatTable, meets, type BenchRow } from "./lib/rows.ts";
import { seedBench, bulkSeedConnections, type BenchSeed } from "./lib/seed.ts";
import { VAULT_REDIRECT_URI } from "../test/helpers/vaultEmulator.ts";
import {
  coldStartRows,
  refreshStormRows,
  refresherRows,
  scaleRows,
  soakRows,
  appStartRows,
  viewE2eRows,
} from "./lib/benches.ts";
import { BARE_HTTP, startBare, startBenchHub } from "./lib/servers.ts";
import { revocationRows } from "./lib/revocation.ts";
import { tokenApiRows } from "./lib/tokenApi.ts";
import { tokenProfileRows } from "./lib/tokenProfile.ts";

export const ROW_NAMES = [
  "token_api",
  "token_profile",
  "revocation_propagation_ms",
  "refresh_storm",
  "scale",
  "view_e2e",
  "app_start_ms",
  "cold_start_ms",
  "soak",
] as const;
type RowName = (typeof ROW_NAMES)[number];

export interface BenchOptions {
  quick: boolean;
  rows: Set<RowName>;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const quick = argv.includes("--quick") || env.BENCH_QUICK === "1";
  const index = argv.indexOf("--rows");
  const listed = (index >= 0 ? argv[index + 1] : env.BENCH_ROWS)?.split(",").map((s) => s.trim());
  const rows = new Set<RowName>(
    listed && listed.length > 0 && listed[0] !== ""
      ? listed.map((name) => {
          if (!ROW_NAMES.includes(name as RowName)) {
            throw new Error(`unknown row "${name}"; rows: ${ROW_NAMES.join(", ")}`);
          }
          return name as RowName;
        })
      : ROW_NAMES.filter((name) => name !== "soak"),
  );
  if (argv.includes("--soak")) rows.add("soak");
  return { quick, rows };
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const { quick, rows: selected } = options;
  log(`rows: ${[...selected].join(", ")}${quick ? " (quick)" : ""}`);
  const results: BenchRow[] = [];
  const failures: string[] = [];
  let pg: BenchPostgres | undefined;
  let emulators: EmulatorProcess | undefined;
  let seed: BenchSeed | undefined;
  let hub: Child | undefined;
  let bare: Child | undefined;
  let bareHttp: Child | undefined;
  let sqliteSeed: BenchSeed | undefined;
  let sqliteHub: Child | undefined;
  const sqliteDir = mkdtempSync(join(tmpdir(), "gatehouse-bench-sqlite-"));
  const sqliteUrl = `sqlite:${join(sqliteDir, "bench.db")}`;
  const run = async (name: RowName, body: () => Promise<BenchRow[]>) => {
    if (!selected.has(name)) return;
    log(`${name}…`);
    const started = performance.now();
    try {
      const rows = await body();
      results.push(...rows);
      log(`${name} done in ${Math.round((performance.now() - started) / 1000)} s`);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).stack ?? String(error)}`);
      log(`${name} FAILED: ${(error as Error).message}`);
    }
  };
  try {
    pg = await startBenchPostgres();
    emulators = await startEmulatorProcess([VAULT_REDIRECT_URI]);
    const databaseUrl = await pg.createDatabase();
    seed = await seedBench(databaseUrl, emulators.bentley);
    await bulkSeedConnections(seed.store, seed.integration.id, 1_000);
    hub = await startBenchHub(databaseUrl, seed);
    bare = await startBare();
    bareHttp = await startBare(BARE_HTTP);
    if (selected.has("token_api") || selected.has("token_profile")) {
      sqliteSeed = await seedBench(sqliteUrl, emulators.bentley);
    }
    const ctx = { quick, databaseUrl, seed, hub, bare, bareHttp, emulators, pg, log };

    await run("token_api", async () => {
      sqliteHub = await startBenchHub(sqliteUrl, sqliteSeed!);
      const quietSqlite = await startBenchHub(sqliteUrl, sqliteSeed!, { env: { LOG_LEVEL: "warn" } });
      try {
        return await tokenApiRows({
          quick,
          hubs: [
            { dialect: "sqlite", hub: sqliteHub, seed: sqliteSeed! },
            { dialect: "postgres", hub: ctx.hub, seed: ctx.seed },
          ],
          bareFastify: ctx.bare,
          bareHttp: ctx.bareHttp,
          quietSqlite,
          log,
        });
      } finally {
        await sqliteHub.stop();
        await quietSqlite.stop();
      }
    });
    await run("token_profile", () =>
      tokenProfileRows(
        [
          { dialect: "sqlite", databaseUrl: sqliteUrl, seed: sqliteSeed! },
          { dialect: "postgres", databaseUrl, seed: ctx.seed },
        ],
        { quick, log },
      ),
    );
    await run("revocation_propagation_ms", () => revocationRows(ctx));
    await run("refresh_storm", () => refreshStormRows(ctx));
    await run("scale", async () => [...(await scaleRows(ctx)), ...(await refresherRows(ctx))]);
    await run("cold_start_ms", () => coldStartRows(ctx));
    await run("view_e2e", () => viewE2eRows(ctx));
    await run("app_start_ms", () => appStartRows(ctx));
    await run("soak", () => soakRows(ctx));
  } finally {
    await hub?.stop();
    await bare?.stop();
    await bareHttp?.stop();
    await sqliteHub?.stop();
    await sqliteSeed?.store.close();
    rmSync(sqliteDir, { recursive: true, force: true });
    await seed?.store.close();
    await emulators?.stop();
    await pg?.stop();
  }

  const machine = {
    cores: cpus().length,
    node: process.version,
    db: pg?.version ?? "PostgreSQL",
  };
  const path = fileURLToPath(new URL("./results.json", import.meta.url));
  writeFileSync(
    path,
    `${JSON.stringify({ machine, quick, measuredAt: new Date().toISOString(), rows: results }, null, 2)}\n`,
  );
  process.stdout.write(
    `\nmachine: ${machine.cores} cores, Node ${machine.node}, ${machine.db}${cpuModel()}\n\n`,
  );
  process.stdout.write(`${formatTable(results)}\n\nwrote ${path}\n`);
  const missed = results.filter((r) => meets(r) === false);
  if (missed.length > 0) {
    process.stdout.write(`targets not met: ${missed.map((r) => `${r.name}.${r.metric}`).join(", ")}\n`);
  }
  for (const failure of failures) process.stderr.write(`\nrow failed: ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

function cpuModel(): string {
  try {
    const model = execFileSync("sh", ["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], {
      encoding: "utf8",
    }).trim();
    return model ? `, ${model}` : "";
  } catch {
    return "";
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
