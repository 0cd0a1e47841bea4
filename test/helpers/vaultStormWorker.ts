/**
 * One "hub process" of the cross-process refresh storm (test/vault/refresh-storm.test.ts), run as
 * `node --import tsx test/helpers/vaultStormWorker.ts`. It opens the shared database with its own
 * TokenService, prints `ready`, then for each `go <round>` line on stdin fires STORM_CONCURRENCY
 * concurrent getUserToken calls and prints one JSON line with the outcome. Tokens never leave the process:
 * only a short hash of each distinct token is reported, enough to tell whether all callers got the same one.
 *
 * Env: STORM_DB_URL, STORM_KEYS (GATEHOUSE_ENCRYPTION_KEYS form), STORM_INTEGRATION (name),
 * STORM_USER (hub user id), STORM_CONCURRENCY, STORM_MIN_VALIDITY (seconds, default 60).
 */
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { openDatabase } from "../../src/db/index.ts";
import { GatehouseError } from "../../src/errors.ts";
import { IntegrationStore } from "../../src/vault/integrationStore.ts";
import { KeyRing } from "../../src/vault/keyRing.ts";
import { TokenService } from "../../src/vault/tokenService.ts";
import { oauthConfigFor } from "./vaultFixtures.ts";

export interface StormRoundResult {
  round: number;
  ok: number;
  errors: Record<string, number>;
  tokenHashes: string[];
  refreshesHere: number;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const store = await openDatabase(env("STORM_DB_URL"), { migrate: false, poolMax: 4 });
  const keyRing = KeyRing.fromEnv(env("STORM_KEYS"));
  const integration = await new IntegrationStore(store, keyRing).get(env("STORM_INTEGRATION"));
  if (!integration) throw new Error("integration not found");
  let refreshesHere = 0;
  const service = new TokenService({
    store,
    keyRing,
    oauthConfigFor,
    metrics: {
      refreshes: (outcome) => {
        if (outcome === "success") refreshesHere++;
      },
    },
  });
  const userId = env("STORM_USER");
  const concurrency = Number(env("STORM_CONCURRENCY"));
  const minValiditySeconds = Number(process.env.STORM_MIN_VALIDITY ?? "60");

  const lines = createInterface({ input: process.stdin });
  process.stdout.write("ready\n");
  for await (const line of lines) {
    const [command, roundText] = line.trim().split(" ");
    if (command === "exit") break;
    if (command !== "go") continue;
    refreshesHere = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: concurrency }, () =>
        service.getUserToken(integration, userId, { minValiditySeconds }),
      ),
    );
    const result: StormRoundResult = {
      round: Number(roundText),
      ok: 0,
      errors: {},
      tokenHashes: [],
      refreshesHere,
    };
    const hashes = new Set<string>();
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") {
        result.ok++;
        hashes.add(createHash("sha256").update(outcome.value.accessToken).digest("hex").slice(0, 16));
      } else {
        const code = outcome.reason instanceof GatehouseError ? outcome.reason.code : "unexpected";
        result.errors[code] = (result.errors[code] ?? 0) + 1;
      }
    }
    result.tokenHashes = [...hashes];
    result.refreshesHere = refreshesHere;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  await store.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`storm worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
