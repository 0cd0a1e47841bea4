// The token vault against the Bentley IMS emulator over real HTTP, on SQLite and PostgreSQL: a connection
// made by a real sign-in and code exchange, refreshed once when needed, kept through provider outages,
// given up on invalid_grant, revoked at disconnect; service tokens obtained once for many callers.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import { introspectToken } from "../../src/oauth/index.ts";
import { startBackgroundRefresher } from "../../src/vault/backgroundRefresher.ts";
import type { Integration } from "../../src/vault/integrationStore.ts";
import { TokenService, type RefreshOutcome } from "../../src/vault/tokenService.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { bentleyIntegration, connectAlice, VAULT_REDIRECT_URI } from "../helpers/vaultEmulator.ts";
import { allStoredText, createUser, oauthConfigFor, testCipher } from "../helpers/vaultFixtures.ts";

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: [VAULT_REDIRECT_URI] });
});
afterAll(async () => {
  await emulators?.close();
});

async function itwinsStatus(accessToken: string): Promise<number> {
  const response = await fetch(`${emulators.bentley.url}/itwins/`, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: "application/vnd.bentley.itwin-platform.v1+json",
    },
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return response.status;
}

forEachDatabase("vault with the Bentley emulator", (getStore, target) => {
  const cipher = testCipher("k1");
  let integration: Integration;
  let service: TokenService;
  let outcomes: RefreshOutcome[];

  const newService = (store = getStore(), now: () => number = Date.now) =>
    new TokenService({
      store,
      keyRing: cipher,
      oauthConfigFor,
      now,
      // Bounded by attempts, not by time, so a busy machine cannot cut the third attempt out.
      retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxTotalMs: 600_000 },
      metrics: { refreshes: (outcome) => outcomes.push(outcome) },
    });

  async function connectedUser(): Promise<{ userId: string; accessToken: string; refreshToken: string }> {
    const userId = await createUser(getStore());
    const tokens = await connectAlice(service, integration, userId);
    return { userId, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? "" };
  }

  async function expire(userId: string): Promise<void> {
    await getStore()
      .db.updateTable("connections")
      .set({ expires_at: Date.now() - 1_000 })
      .where("user_id", "=", userId)
      .execute();
  }

  const statusOf = async (userId: string) => (await service.listConnections(userId))[0]?.status;

  beforeAll(async () => {
    integration = await bentleyIntegration(getStore(), cipher, emulators.bentley);
  });
  beforeEach(() => {
    emulators.bentley.knobs.reset();
    outcomes = [];
    service = newService();
  });

  it("serves the token from a real code exchange, refreshes it once when forced", async () => {
    const { userId, accessToken, refreshToken } = await connectedUser();
    expect(refreshToken).not.toBe("");
    emulators.bentley.resetStats();

    const stored = await service.getUserToken(integration, userId);
    expect(stored.accessToken).toBe(accessToken);
    expect(await itwinsStatus(stored.accessToken)).toBe(200);
    // More validity than the token's lifetime (3600 s) is capped at half of it: no refresh.
    expect((await service.getUserToken(integration, userId, { minValiditySeconds: 7200 })).accessToken).toBe(
      accessToken,
    );
    expect(emulators.bentley.stats().token.refresh_token).toEqual({ ok: 0, error: 0 });

    // A forced refresh renews it (the vault's clock a few seconds on: a token issued just now is kept).
    const later = newService(getStore(), () => Date.now() + 6_000);
    const refreshed = await later.forceRefreshUserToken(integration, userId);
    expect(refreshed.accessToken).not.toBe(accessToken);
    expect(await itwinsStatus(refreshed.accessToken)).toBe(200);
    expect(emulators.bentley.stats().token.refresh_token).toEqual({ ok: 1, error: 0 });

    // Served from storage afterwards; nothing readable in the database.
    expect((await service.getUserToken(integration, userId)).accessToken).toBe(refreshed.accessToken);
    expect(emulators.bentley.stats().token.refresh_token.ok).toBe(1);
    let text = await allStoredText(getStore());
    if (target.dialect === "sqlite") {
      // The bytes on disk too, the write-ahead log included.
      const file = target.url.slice("sqlite:".length);
      for (const path of [file, `${file}-wal`])
        if (existsSync(path)) text += readFileSync(path).toString("latin1");
    }
    for (const secret of [accessToken, refreshToken, refreshed.accessToken, "sandbox-web-secret"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("refreshes after the emulator's short token lifetime has passed", async () => {
    emulators.bentley.knobs.set({ accessTokenLifetimeSeconds: 2 });
    const { userId, accessToken } = await connectedUser();
    emulators.bentley.resetStats();
    // The vault decides by its clock: one that reads 2.2 s later instead of waiting for them.
    const later = newService(getStore(), () => Date.now() + 2_200);
    // The refreshed token gets a normal lifetime, so checking it at the API below cannot race its expiry.
    emulators.bentley.knobs.set({ accessTokenLifetimeSeconds: 3600 });
    const result = await later.getUserToken(integration, userId, { minValiditySeconds: 1 });
    expect(result.accessToken).not.toBe(accessToken);
    expect(emulators.bentley.stats().token.refresh_token).toEqual({ ok: 1, error: 0 });
    expect(await itwinsStatus(result.accessToken)).toBe(200);
  });

  it("disconnect revokes at the emulator (introspection: inactive) and deletes the connection", async () => {
    const { userId, refreshToken } = await connectedUser();
    const cfg = oauthConfigFor(integration);
    emulators.bentley.resetStats();
    expect((await introspectToken(cfg, refreshToken)).active).toBe(true);
    expect(await service.disconnect(integration, userId)).toBe(true);
    // The refresh token (the grant) is dead; the access token was revoked too (a second revocation call).
    // The emulator cannot introspect its JWT access tokens, so only the refresh token is checked there.
    expect((await introspectToken(cfg, refreshToken)).active).toBe(false);
    expect(emulators.bentley.stats().revocation).toBe(2);
    await expect(service.getUserToken(integration, userId)).rejects.toMatchObject({ code: "login_required" });
  });

  it("while the emulator answers 503: serves the still-valid token or 503, stays connected, recovers", async () => {
    const { userId, accessToken } = await connectedUser();
    emulators.bentley.knobs.set({ failure: { target: "token", kind: "5xx", status: 503 } });

    const later = newService(getStore(), () => Date.now() + 6_000);
    const held = await later.forceRefreshUserToken(integration, userId);
    expect(held.accessToken).toBe(accessToken);
    expect(await statusOf(userId)).toBe("connected");

    await expire(userId);
    await expect(service.getUserToken(integration, userId)).rejects.toMatchObject({
      code: "provider_unavailable",
      status: 503,
    });
    expect(await statusOf(userId)).toBe("connected");
    expect(outcomes).toEqual(["provider_unavailable", "provider_unavailable"]);

    emulators.bentley.knobs.set({ failure: null });
    const recovered = await service.getUserToken(integration, userId);
    expect(recovered.accessToken).not.toBe(accessToken);
    expect(await itwinsStatus(recovered.accessToken)).toBe(200);
  });

  it("rides out a short outage within its retries (two 503s, then success)", async () => {
    const { userId } = await connectedUser();
    await expire(userId);
    emulators.bentley.resetStats();
    emulators.bentley.knobs.set({ failure: { target: "token", kind: "5xx", status: 503, count: 2 } });
    const result = await service.getUserToken(integration, userId);
    expect(result.expiresAt).toBeGreaterThan(Date.now());
    const calls = emulators.bentley.stats().token.refresh_token;
    expect(calls.ok).toBe(1);
    expect(outcomes).toEqual(["success"]);
  });

  it("on invalid_grant: reconnect_required, then login_required without calling the emulator again", async () => {
    const { userId } = await connectedUser();
    await expire(userId);
    emulators.bentley.resetStats();
    emulators.bentley.knobs.set({ failure: { target: "token", kind: "invalid_grant", count: 1 } });
    const error = await service.getUserToken(integration, userId).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: "login_required", status: 401 });
    expect(await statusOf(userId)).toBe("reconnect_required");
    await expect(service.getUserToken(integration, userId)).rejects.toMatchObject({ code: "login_required" });
    const calls = emulators.bentley.stats().token.refresh_token;
    expect(calls.ok + calls.error).toBe(1);
    // Signing in again repairs it.
    await connectAlice(service, integration, userId);
    expect(await statusOf(userId)).toBe("connected");
    expect(await itwinsStatus((await service.getUserToken(integration, userId)).accessToken)).toBe(200);
  });

  it("one client-credentials call for many concurrent service-token requests", async () => {
    const serviceIntegration = await bentleyIntegration(getStore(), cipher, emulators.bentley, {
      grantType: "client_credentials",
      clientId: "sandbox-service",
      clientSecret: "sandbox-service-secret",
      scopes: ["itwin-platform"],
    });
    emulators.bentley.resetStats();
    const other = newService(await target.open());
    const results = await Promise.all([
      ...Array.from({ length: 100 }, () => service.getServiceToken(serviceIntegration)),
      ...Array.from({ length: 100 }, () => other.getServiceToken(serviceIntegration)),
    ]);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(emulators.bentley.stats().token.client_credentials).toEqual({ ok: 1, error: 0 });
    await service.getServiceToken(serviceIntegration);
    expect(emulators.bentley.stats().token.client_credentials.ok).toBe(1);
    expect(await allStoredText(getStore())).not.toContain(results[0]!.accessToken);
  });

  it("two background refreshers on separate database handles refresh each due connection once", async () => {
    const users = [await connectedUser(), await connectedUser()];
    emulators.bentley.resetStats();
    const other = newService(await target.open());
    // Every connection in the last ten minutes of its hour: due for a refresher looking 20 minutes ahead.
    const expiresAt = Date.now() + 600_000;
    await getStore()
      .db.updateTable("connections")
      .set({ expires_at: expiresAt, connected_at: expiresAt - 3_600_000, last_refreshed_at: null })
      .where("integration_id", "=", integration.id)
      .execute();
    const options = {
      intervalMs: 3_600_000,
      refreshAheadSeconds: 1200,
      maxPerIntegrationPerSecond: 50,
      batchSize: 1000,
    };
    const a = startBackgroundRefresher({ ...options, tokenService: service, store: getStore() });
    const b = startBackgroundRefresher({ ...options, tokenService: other, store: getStore() });
    try {
      await Promise.all([a.runOnce(), b.runOnce()]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const due = await getStore()
      .db.selectFrom("connections")
      .select(["user_id", "last_refreshed_at"])
      .where("integration_id", "=", integration.id)
      .where("status", "=", "connected")
      .execute();
    for (const { userId } of users) {
      expect(due.find((row) => row.user_id === userId)?.last_refreshed_at).not.toBeNull();
    }
    // Each connected one was refreshed exactly once, although both refreshers looked at it.
    expect(emulators.bentley.stats().token.refresh_token).toEqual({ ok: due.length, error: 0 });
  });
});
