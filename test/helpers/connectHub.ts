/**
 * The hub the connect-flow, token-API and disconnect suites share: the emulators, alice signed in, a hub
 * clock the test can move (the emulators keep real time), quick retries, and the checks they share.
 */
import { existsSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import { aad } from "../../src/vault/aad.ts";
import type { TestDatabase } from "./databases.ts";
import { DEMO_PASSWORD, startTestHub, type HubClient, type TestHub } from "./hub.ts";

export interface TokenAnswer {
  accessToken: string;
  tokenType: string;
  expiresAt: string;
  scopes: string[];
}

export const TOKEN_PATH = "/api/apps/itwin-browser/integrations/bentley-itwin/token";

/** A hub over `database` whose clock runs `clockOffset()` ms ahead of the emulators', and alice signed in. */
export async function startConnectHub(
  database: TestDatabase,
  clockOffset: () => number,
): Promise<{ t: TestHub; alice: HubClient }> {
  const t = await startTestHub({
    store: database.store,
    deps: {
      now: () => Date.now() + clockOffset(),
      // Outages should not make the suite wait: two quick attempts.
      tokenService: { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxTotalMs: 200 } },
    },
  });
  return { t, alice: await t.signIn("alice@example.com") };
}

/** Starts a connect flow and returns the provider's authorization URL (not followed). */
export async function startFlow(client: HubClient, query = ""): Promise<string> {
  const res = await client.fetch("GET", `/api/integrations/oauth2/login/bentley-itwin${query}`);
  await res.body?.cancel();
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

/** `client`'s stored refresh token for an integration (the emulator can introspect refresh tokens, not JWTs). */
export async function storedRefreshToken(
  t: TestHub,
  database: TestDatabase,
  client: HubClient,
  integrationId: string,
): Promise<string> {
  const me = (await client.get<{ id: string }>("/api/me")).body;
  const row = await database.store.db
    .selectFrom("connections")
    .select(["id", "refresh_token_enc"])
    .where("integration_id", "=", integrationId)
    .where("user_id", "=", me.id)
    .executeTakeFirstOrThrow();
  return t.hub.services.keyRing.decrypt(row.refresh_token_enc!, aad.connectionRefreshToken(row.id));
}

/**
 * No token of `tokens`, no client secret, password, PAT, code or state in any line `t` logged; no token and
 * no client secret in the tables that hold them, nor — on SQLite — in any page of the file or its WAL.
 */
export async function expectSecretsKeptOut(
  t: TestHub,
  database: TestDatabase,
  tokens: string[],
): Promise<void> {
  const logs = t.logs.join("\n");
  expect(logs.length).toBeGreaterThan(0);
  for (const secret of [...tokens, "sandbox-web-secret", "sandbox-service-secret", DEMO_PASSWORD]) {
    expect(logs).not.toContain(secret);
  }
  expect(logs).not.toMatch(/[?&](code|state)=/);
  expect(logs).not.toContain("gth_");
  const dumps = await Promise.all(
    (["connections", "service_tokens", "integrations", "oauth_states"] as const).map((table) =>
      database.store.db.selectFrom(table).selectAll().execute(),
    ),
  );
  const raw = JSON.stringify(dumps);
  for (const secret of [...tokens, "sandbox-web-secret"]) expect(raw).not.toContain(secret);
  if (database.dialect === "sqlite") {
    // The file itself, write-ahead log included: no token or secret in any page, live or stale.
    const path = database.url.slice("sqlite:".length);
    const files = [path, `${path}-wal`].filter((file) => existsSync(file));
    const bytes = files.map((file) => readFileSync(file).toString("latin1")).join("");
    expect(bytes.length).toBeGreaterThan(0);
    for (const secret of [...tokens, "sandbox-web-secret"]) expect(bytes).not.toContain(secret);
  }
}
