import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AdapterPayload } from "oidc-provider";
import { afterEach, describe, expect, it } from "vitest";
import { openStateDatabase, type StateDatabase } from "./database.ts";
import { sqliteAdapterFactory, type ClientDirectory } from "./oidcAdapter.ts";

const clients: ClientDirectory = {
  metadata: (id) => (id === "sandbox-web" ? { client_id: "sandbox-web", redirect_uris: [] } : undefined),
};

let now = Date.UTC(2025, 0, 1);
const clock = () => now;
const dirs: string[] = [];
const opened: StateDatabase[] = [];

function open(dir: string | null = null): StateDatabase {
  const database = openStateDatabase(dir, clock);
  opened.push(database);
  return database;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gh-emu-adapter-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const database of opened.splice(0)) database.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  now = Date.UTC(2025, 0, 1);
});

const refreshToken = (grantId: string, extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
  jti: `rt-${grantId}`,
  kind: "RefreshToken",
  grantId,
  accountId: "alice",
  clientId: "sandbox-web",
  scope: "openid offline_access",
  ...extra,
});

describe("sqliteAdapterFactory", () => {
  it("round-trips a payload by id, per model and per server", async () => {
    const database = open();
    const bentley = sqliteAdapterFactory(database, "bentley", clients);
    const autodesk = sqliteAdapterFactory(database, "autodesk", clients);
    await bentley("RefreshToken").upsert("rt-1", refreshToken("g1"), 3600);
    expect(await bentley("RefreshToken").find("rt-1")).toEqual(refreshToken("g1"));
    expect(await bentley("AccessToken").find("rt-1")).toBeUndefined();
    expect(await autodesk("RefreshToken").find("rt-1")).toBeUndefined();
  });

  it("replaces a payload on a second upsert", async () => {
    const adapter = sqliteAdapterFactory(open(), "bentley", clients)("Grant");
    await adapter.upsert("g1", { accountId: "alice", clientId: "sandbox-web" }, 3600);
    await adapter.upsert("g1", { accountId: "alice", clientId: "sandbox-web", jti: "g1" }, 3600);
    expect(await adapter.find("g1")).toEqual({ accountId: "alice", clientId: "sandbox-web", jti: "g1" });
  });

  it("reads an expired row as absent, and prune deletes it", async () => {
    const database = open();
    const adapter = sqliteAdapterFactory(database, "bentley", clients)("AuthorizationCode");
    await adapter.upsert("code-1", { grantId: "g1", kind: "AuthorizationCode" }, 300);
    await adapter.upsert("code-2", { grantId: "g2", kind: "AuthorizationCode" }, 900);
    now += 300_000;
    expect(await adapter.find("code-1")).toBeUndefined();
    expect(await adapter.find("code-2")).toBeDefined();
    expect(database.prune()).toEqual({ models: 1, revokedTokens: 0 });
    expect(database.prune()).toEqual({ models: 0, revokedTokens: 0 });
  });

  it("expires rows by the server's own clock when one is given (the emulator's clock knob)", async () => {
    const database = open();
    let aheadMs = 0;
    const ahead = sqliteAdapterFactory(database, "bentley", clients, () => clock() + aheadMs);
    const other = sqliteAdapterFactory(database, "autodesk", clients);
    await ahead("AuthorizationCode").upsert("code-1", { kind: "AuthorizationCode" }, 300);
    await other("AuthorizationCode").upsert("code-1", { kind: "AuthorizationCode" }, 300);
    aheadMs = 300_000;
    expect(await ahead("AuthorizationCode").find("code-1")).toBeUndefined();
    expect(await other("AuthorizationCode").find("code-1")).toBeDefined();
    aheadMs = 0;
    expect(await ahead("AuthorizationCode").find("code-1")).toBeDefined();
  });

  it("keeps a row without expiry forever", async () => {
    const adapter = sqliteAdapterFactory(open(), "bentley", clients)("Grant");
    await adapter.upsert("g1", { accountId: "alice" }, undefined);
    now += 10 * 365 * 86_400_000;
    expect(await adapter.find("g1")).toEqual({ accountId: "alice" });
  });

  it("marks a row consumed in place (a replayed code is then refused by oidc-provider)", async () => {
    const adapter = sqliteAdapterFactory(open(), "bentley", clients)("AuthorizationCode");
    await adapter.upsert("code-1", { grantId: "g1" }, 300);
    await adapter.consume("code-1");
    expect(await adapter.find("code-1")).toEqual({ grantId: "g1", consumed: Math.floor(now / 1000) });
  });

  it("destroys one row", async () => {
    const adapter = sqliteAdapterFactory(open(), "bentley", clients)("Session");
    await adapter.upsert("s1", { uid: "u1", accountId: "alice" }, 3600);
    await adapter.destroy("s1");
    expect(await adapter.find("s1")).toBeUndefined();
    expect(await adapter.findByUid("u1")).toBeUndefined();
  });

  it("finds a session by uid and a device code by user code", async () => {
    const factory = sqliteAdapterFactory(open(), "bentley", clients);
    await factory("Session").upsert("s1", { uid: "u1", accountId: "alice" }, 3600);
    await factory("DeviceCode").upsert("d1", { userCode: "ABCD-EFGH", grantId: "g1" }, 600);
    expect(await factory("Session").findByUid("u1")).toEqual({ uid: "u1", accountId: "alice" });
    expect(await factory("Session").findByUid("nope")).toBeUndefined();
    expect(await factory("DeviceCode").findByUserCode("ABCD-EFGH")).toMatchObject({ grantId: "g1" });
  });

  it("revokeByGrantId removes every grantable row of that grant and nothing else", async () => {
    const factory = sqliteAdapterFactory(open(), "bentley", clients);
    await factory("RefreshToken").upsert("rt-1", refreshToken("g1"), 3600);
    await factory("RefreshToken").upsert("rt-2", refreshToken("g2"), 3600);
    await factory("AuthorizationCode").upsert("code-1", { grantId: "g1" }, 300);
    // An interaction names its grant too, but a grant revocation does not end a sign-in in progress.
    await factory("Interaction").upsert("i1", { grantId: "g1", uid: "i1" }, 3600);
    await factory("AccessToken").revokeByGrantId("g1");
    expect(await factory("RefreshToken").find("rt-1")).toBeUndefined();
    expect(await factory("AuthorizationCode").find("code-1")).toBeUndefined();
    expect(await factory("RefreshToken").find("rt-2")).toBeDefined();
    expect(await factory("Interaction").find("i1")).toBeDefined();
  });

  it("serves clients from the directory and stores nothing for them", async () => {
    const adapter = sqliteAdapterFactory(open(), "bentley", clients)("Client");
    await adapter.upsert("sandbox-web", { client_id: "other" }, 3600);
    expect(await adapter.find("sandbox-web")).toEqual({ client_id: "sandbox-web", redirect_uris: [] });
    expect(await adapter.find("unknown")).toBeUndefined();
  });

  it("survives closing and reopening the same directory", async () => {
    const dir = tempDir();
    const first = openStateDatabase(dir, clock);
    await sqliteAdapterFactory(
      first,
      "bentley",
      clients,
    )("RefreshToken").upsert("rt-1", refreshToken("g1"), 3600);
    first.close();
    const again = open(dir);
    expect(await sqliteAdapterFactory(again, "bentley", clients)("RefreshToken").find("rt-1")).toEqual(
      refreshToken("g1"),
    );
  });

  it("reads a damaged payload as absent instead of failing the request", async () => {
    const database = open();
    database.sqlite
      .prepare(
        "INSERT INTO oidc_models (server, model, id, payload) VALUES ('bentley', 'Grant', 'g1', '{nope')",
      )
      .run();
    database.sqlite
      .prepare(
        "INSERT INTO oidc_models (server, model, id, payload) VALUES ('bentley', 'Grant', 'g2', '[1]')",
      )
      .run();
    const adapter = sqliteAdapterFactory(database, "bentley", clients)("Grant");
    expect(await adapter.find("g1")).toBeUndefined();
    expect(await adapter.find("g2")).toBeUndefined();
  });
});
