/**
 * What the bench rows need in the database: a hub user with a personal access token, the bentley-itwin
 * integration wired to the emulator, alice's real connection (signed in at the emulator's pages), and the
 * bulk filler for the scale row.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { openDatabase, type Store } from "../../src/db/index.ts";
import type { Emulator } from "../../src/emulators/index.ts";
import type { TokenSet } from "../../src/oauth/index.ts";
import { AccountStore } from "../../src/hub/identity/accounts.ts";
import type { Integration } from "../../src/vault/integrationStore.ts";
import { KeyRing } from "../../src/vault/keyRing.ts";
import { TokenService } from "../../src/vault/tokenService.ts";
import { bentleyIntegration, signInAlice } from "../../test/helpers/vaultEmulator.ts";
import { oauthConfigFor } from "../../test/helpers/vaultFixtures.ts";

export const BENCH_APP = "bench-app";

export interface BenchSeed {
  store: Store;
  keyRing: KeyRing;
  keysEnv: string;
  integration: Integration;
  tokens: TokenService;
  userId: string;
  /** `userId`'s sign-in, for what only a browser session may do (revoking a token). */
  email: string;
  password: string;
  /** Personal access token of `userId`. */
  pat: string;
  /** alice's tokens from the emulator (the refresh token is reused for the refresher row). */
  aliceTokens: TokenSet;
  /** GET path of the token API for the seeded connection. */
  tokenPath: string;
}

/** Opens `databaseUrl` (migrating it), creates the integration, a user, a PAT and alice's connection. */
export async function seedBench(databaseUrl: string, bentleyUrl: string): Promise<BenchSeed> {
  const store = await openDatabase(databaseUrl, { poolMax: 8 });
  const keysEnv = `bench:${randomBytes(32).toString("base64")}`;
  const keyRing = KeyRing.fromEnv(keysEnv);
  const integration = await bentleyIntegration(store, keyRing, { url: bentleyUrl } as Emulator, {
    name: "bentley-itwin",
    apps: [BENCH_APP],
  });
  const accounts = new AccountStore(store.db);
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const password = randomBytes(18).toString("base64url");
  const user = await accounts.createUser({ email, password, role: "user" });
  const { token: pat } = await accounts.createPersonalAccessToken(user.id, "bench");
  const tokens = new TokenService({ store, keyRing, oauthConfigFor });
  const aliceTokens = await signInAlice(integration);
  await tokens.saveConnection(integration, user.id, aliceTokens);
  return {
    store,
    keyRing,
    keysEnv,
    integration,
    tokens,
    userId: user.id,
    email,
    password,
    pat,
    aliceTokens,
    tokenPath: `/api/apps/${BENCH_APP}/integrations/${integration.name}/token`,
  };
}

/**
 * Adds filler connections (and their users) until the table holds `total` rows, in server-side batches
 * (INSERT … SELECT FROM generate_series: one statement per batch, no round trip per row). Filler rows
 * have ciphertext-sized columns that decrypt to nothing (they are never read), no refresh token, and an
 * expiry a day out, so neither the token API nor the background refresher ever touches them.
 */
export async function bulkSeedConnections(
  store: Store,
  integrationId: string,
  total: number,
  onProgress?: (rows: number) => void,
): Promise<{ inserted: number; seconds: number; settleSeconds: number }> {
  const started = performance.now();
  const have = Number(
    (
      await store.db
        .selectFrom("connections")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const batch = 100_000;
  const now = Date.now();
  const tag = randomBytes(4).toString("hex");
  let inserted = 0;
  for (let from = have; from < total; from += batch) {
    const to = Math.min(total, from + batch) - 1;
    await sql`
      INSERT INTO users (id, email, password_hash, role, created_at)
      SELECT 'bulk-' || ${tag} || '-' || g, 'bulk-' || ${tag} || '-' || g || '@example.com',
             'scrypt$15$8$1$not$used', 'user', ${now}
      FROM generate_series(${from}::int, ${to}::int) AS g`.execute(store.db);
    await sql`
      INSERT INTO connections (id, integration_id, user_id, status, access_token_enc, refresh_token_enc,
                               token_type, scopes, expires_at, connected_at, last_refreshed_at, version,
                               refresh_lease_owner, refresh_lease_until, key_id)
      SELECT 'bulk-' || ${tag} || '-' || g, ${integrationId}, 'bulk-' || ${tag} || '-' || g, 'connected',
             'v1.bulk.' || md5(g::text) || '.' || repeat(md5((g + 1)::text), 24), NULL,
             'Bearer', '["itwin-platform"]', ${now + 86_400_000}::bigint, ${now}, NULL, 1, NULL, NULL, 'bulk'
      FROM generate_series(${from}::int, ${to}::int) AS g`.execute(store.db);
    inserted += to - from + 1;
    onProgress?.(from + (to - from + 1));
  }
  const seconds = (performance.now() - started) / 1000;
  const settleStarted = performance.now();
  if (inserted > 0 && store.dialect === "postgres") {
    // What a database that grew to this size over months looks like: visibility map set, statistics
    // current, dirty pages written out, rather than autovacuum and a checkpoint racing the measurement.
    await sql`VACUUM ANALYZE users, connections`.execute(store.db);
    await sql`CHECKPOINT`.execute(store.db);
  }
  return { inserted, seconds, settleSeconds: (performance.now() - settleStarted) / 1000 };
}
