// SQLite shared by several processes: two hub processes (`gatehouse start`) and this test process writing as
// a CLI command would (`gatehouse users …`, `keys rotate`). Each hub checks the change feed's table before
// every cache read, so a change committed by any process is honoured by the very next request — no waiting.
// /metrics shows the hubs really answered from their caches before each change.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inTransaction, publishChange } from "../../src/db/changeFeed.ts";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import { AccountStore } from "../../src/hub/identity/accounts.ts";
import { IntegrationStore, type Integration } from "../../src/vault/integrationStore.ts";
import { KeyRing } from "../../src/vault/keyRing.ts";
import { TokenService } from "../../src/vault/tokenService.ts";
import { HubClient } from "../helpers/hub.ts";
import { startHub, type Child } from "../helpers/hubProcesses.ts";
import { bentleyIntegration, connectAlice, VAULT_REDIRECT_URI } from "../helpers/vaultEmulator.ts";
import { oauthConfigFor } from "../helpers/vaultFixtures.ts";

const APP = "bench-app";
const TOKEN_PATH = `/api/apps/${APP}/integrations/bentley-itwin/token`;

let dir: string;
let store: Store;
let emulators: Emulators;
let hubs: Child[] = [];
let integration: Integration;
let userId: string;
let pat: { id: string; token: string };
const keysEnv = `cli:${randomBytes(32).toString("base64")}`;

const get = (hub: Child, path: string, token = pat.token) =>
  fetch(`${hub.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });

/** A counter of the hub's /metrics: cache lookups of `cache` that were `result`. */
async function lookups(hub: Child, cache: string, result = "hits"): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`gatehouse_cache_lookups_total{cache="${cache}",result="${result}"}`));
  return Number(line?.split(" ").at(-1) ?? 0);
}

/** Asks twice, so that the second answer is the cache's: returns the statuses and whether it hit. */
async function twiceFromCache(hub: Child, cache: string, path = TOKEN_PATH): Promise<number[]> {
  const before = await lookups(hub, cache);
  const statuses = [(await get(hub, path)).status, (await get(hub, path)).status];
  expect(await lookups(hub, cache)).toBeGreaterThan(before);
  return statuses;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gatehouse-sqlite-processes-"));
  const databaseUrl = `sqlite:${join(dir, "hub.db")}`;
  store = await openDatabase(databaseUrl);
  emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: [VAULT_REDIRECT_URI] });
  const keyRing = KeyRing.fromEnv(keysEnv);
  integration = await bentleyIntegration(store, keyRing, emulators.bentley, {
    name: "bentley-itwin",
    apps: [APP],
  });
  const accounts = new AccountStore(store.db);
  userId = (
    await accounts.createUser({ email: "script@example.com", password: "long-password", role: "user" })
  ).id;
  pat = await accounts.createPersonalAccessToken(userId, "script");
  await connectAlice(new TokenService({ store, keyRing, oauthConfigFor }), integration, userId);
  hubs = [
    await startHub({ databaseUrl, encryptionKeys: keysEnv }),
    await startHub({ databaseUrl, encryptionKeys: keysEnv }),
  ];
});
afterAll(async () => {
  await Promise.all(hubs.map((h) => h.stop()));
  await store?.close();
  await emulators?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("an integration changed by another process: both hubs apply it at their next request", async () => {
  for (const hub of hubs) expect(await twiceFromCache(hub, "integrations")).toEqual([200, 200]);
  const integrations = new IntegrationStore(store, KeyRing.fromEnv(keysEnv));
  await integrations.update("bentley-itwin", { apps: ["another-app"] });
  for (const hub of hubs) expect((await get(hub, TOKEN_PATH)).status).toBe(403);
  await integrations.update("bentley-itwin", { apps: [APP] });
  for (const hub of hubs) expect((await get(hub, TOKEN_PATH)).status).toBe(200);
});

it("a connection deleted by another process: both hubs ask to connect again", async () => {
  for (const hub of hubs) expect(await twiceFromCache(hub, "connection_tokens")).toEqual([200, 200]);
  const service = new TokenService({ store, keyRing: KeyRing.fromEnv(keysEnv), oauthConfigFor });
  expect(await service.disconnect(integration, userId)).toBe(true);
  for (const hub of hubs) expect((await get(hub, TOKEN_PATH)).status).toBe(401);
  await connectAlice(service, integration, userId);
});

it("a token revoked on one hub is refused by the other at its next request", async () => {
  const accounts = new AccountStore(store.db);
  const other = await accounts.createPersonalAccessToken(userId, "second");
  for (const hub of hubs)
    expect(await twiceFromCache(hub, "personal_access_tokens", "/api/me")).toEqual([200, 200]);
  // Tokens are revoked from a signed-in session (a token cannot revoke tokens: session_only).
  const browser = await new HubClient(hubs[0]!.url).signIn("script@example.com", "long-password");
  expect((await browser.delete(`/api/me/tokens/${other.id}`)).status).toBe(204);
  expect((await get(hubs[1]!, "/api/me", other.token)).status).toBe(401);
  expect((await get(hubs[0]!, "/api/me", other.token)).status).toBe(401);
});

it("a user changed by a CLI command (its rows, then user_changed published): refused everywhere", async () => {
  for (const hub of hubs) expect((await get(hub, "/api/me")).status).toBe(200);
  // The rows alone: the hubs' caches do not know yet (a write that forgets to publish is served stale).
  await store.db.deleteFrom("personal_access_tokens").where("user_id", "=", userId).execute();
  for (const hub of hubs) expect((await get(hub, "/api/me")).status).toBe(200);
  await inTransaction(store.db, (trx) => publishChange(trx, { kind: "user_changed", key: userId }));
  for (const hub of hubs) expect((await get(hub, "/api/me")).status).toBe(401);
});
