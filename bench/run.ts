/**
 * `npm run bench` (CONTRACT §8): each row measured side by side with its baseline in one run on this
 * machine; prints a table and writes bench/results.json.
 *
 *   npm run bench                                  all rows except the soak
 *   npm run bench -- --quick                       smaller N and shorter runs, for a fast look
 *   npm run bench -- --rows token_api,scale        only these rows (also BENCH_ROWS=…)
 *   npm run bench -- --soak                        adds the 60 s soak (or --rows soak)
 *
 * Rows: token_api, refresh_storm, scale, view_e2e, app_start_ms, cold_start_ms, soak. PostgreSQL: GATEHOUSE_TEST_PG_URL
 * when set, else a throwaway cluster like the test suite's. Hubs run as `gatehouse start` child processes
 * and the emulators as `gatehouse emulate`, so this process only generates load.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
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
  startBareWithFloor,
  startBenchHub,
  tokenApiRows,
  appStartRows,
  viewE2eRows,
} from "./lib/benches.ts";

export const ROW_NAMES = [
  "token_api",
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
    bare = await startBareWithFloor(databaseUrl, seed);
    const ctx = { quick, databaseUrl, seed, hub, bare, emulators, pg, log };

    await run("token_api", () => tokenApiRows(ctx));
    await run("refresh_storm", () => refreshStormRows(ctx));
    await run("scale", async () => [...(await scaleRows(ctx)), ...(await refresherRows(ctx))]);
    await run("cold_start_ms", () => coldStartRows(ctx));
    await run("view_e2e", () => viewE2eRows(ctx));
    await run("app_start_ms", () => appStartRows(ctx));
    await run("soak", () => soakRows(ctx));
  } finally {
    await hub?.stop();
    await bare?.stop();
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
