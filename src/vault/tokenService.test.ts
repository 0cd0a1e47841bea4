import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../db/index.ts";
import type { TokenSet } from "../oauth/index.ts";
import { startFakeTokenServer, type FakeTokenServer } from "../../test/helpers/fakeTokenServer.ts";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import {
  allStoredText,
  createIntegration,
  createUser,
  oauthConfigFor,
  testCipher,
} from "../../test/helpers/vaultFixtures.ts";
import { startBackgroundRefresher } from "./backgroundRefresher.ts";
import { IntegrationStore, type Integration } from "./integrationStore.ts";
import { aad } from "./aad.ts";
import { TokenService, type RefreshOutcome } from "./tokenService.ts";

// Bounded by attempts, not by time: a busy machine must not cut an attempt short (retry.test.ts covers the
// time bound with its own clock).
const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 600_000 };

/** What a code exchange with the fake server leaves: its next tokens, no scopes reported, no ID token. */
function exchangedTokens(idp: FakeTokenServer): TokenSet {
  return { ...idp.issue(), tokenType: "Bearer", scopes: [], idToken: null };
}

forEachDatabase("TokenService", (getStore, target) => {
  describe("user and service tokens", () => {
    let store: Store;
    let otherProcess: Store;
    let idp: FakeTokenServer;
    const cipher = testCipher("k1");
    let integration: Integration;
    let outcomes: RefreshOutcome[];
    let service: TokenService;

    const newService = (on: Store = store) =>
      new TokenService({
        store: on,
        keyRing: cipher,
        oauthConfigFor,
        retry: fastRetry,
        metrics: { refreshes: (outcome) => outcomes.push(outcome) },
      });

    /** A connection as a code exchange leaves it, expiring in `expiresInSeconds`. */
    async function connect(expiresInSeconds: number): Promise<{ userId: string; tokens: TokenSet }> {
      const userId = await createUser(store);
      const issued = idp.issue();
      const tokens: TokenSet = {
        accessToken: issued.accessToken,
        tokenType: "Bearer",
        refreshToken: issued.refreshToken,
        expiresAt: Date.now() + expiresInSeconds * 1000,
        scopes: ["itwin-platform", "offline_access"],
        idToken: null,
      };
      await service.saveConnection(integration, userId, tokens);
      return { userId, tokens };
    }

    const connectionOf = (userId: string) =>
      store.db
        .selectFrom("connections")
        .selectAll()
        .where("user_id", "=", userId)
        .where("integration_id", "=", integration.id)
        .executeTakeFirstOrThrow();

    beforeAll(async () => {
      store = getStore();
      otherProcess = await target.open();
      idp = await startFakeTokenServer();
      integration = await createIntegration(store, cipher, idp.url);
    });
    afterAll(async () => {
      await idp.close();
    });
    beforeEach(() => {
      idp.resetCounts();
      idp.failNext = 0;
      idp.rotate = true;
      idp.omitRefreshToken = false;
      idp.beforeRefresh = undefined;
      idp.lifetimeSeconds = 3600;
      outcomes = [];
      service = newService();
    });

    it("serves a stored token that is valid long enough, without calling the provider", async () => {
      const { userId, tokens } = await connect(3600);
      const result = await service.getUserToken(integration, userId, { minValiditySeconds: 60 });
      expect(result).toEqual({
        accessToken: tokens.accessToken,
        tokenType: "Bearer",
        expiresAt: tokens.expiresAt,
        scopes: tokens.scopes,
      });
      expect(idp.calls.refresh_token).toBe(0);
      const stored = await allStoredText(store);
      expect(stored).not.toContain(tokens.accessToken);
      expect(stored).not.toContain(tokens.refreshToken);
      expect((await connectionOf(userId)).key_id).toBe("k1");
    });

    it("answers login_required when the user never connected", async () => {
      const userId = await createUser(store);
      await expect(service.getUserToken(integration, userId)).rejects.toMatchObject({
        code: "login_required",
        status: 401,
      });
    });

    it("refreshes a token valid for less than minValidity, once, and stores the rotated tokens", async () => {
      const { userId, tokens } = await connect(30);
      const before = await connectionOf(userId);
      const result = await service.getUserToken(integration, userId, { minValiditySeconds: 60 });
      expect(result.accessToken).not.toBe(tokens.accessToken);
      expect(result.expiresAt).toBeGreaterThan(Date.now() + 3000_000);
      expect(idp.calls.refresh_token).toBe(1);
      expect(outcomes).toEqual(["success"]);
      const after = await connectionOf(userId);
      expect(after.version).toBe(before.version + 1);
      expect(after.last_refreshed_at).not.toBeNull();
      expect(cipher.decrypt(after.refresh_token_enc!, aad.connectionRefreshToken(after.id))).not.toBe(
        tokens.refreshToken,
      );
      // The next call is served from storage.
      expect((await service.getUserToken(integration, userId)).accessToken).toBe(result.accessToken);
      expect(idp.calls.refresh_token).toBe(1);
    });

    it("keeps the old refresh token when the refresh answer has none", async () => {
      idp.omitRefreshToken = true;
      const { userId, tokens } = await connect(0);
      await service.getUserToken(integration, userId);
      const after = await connectionOf(userId);
      expect(cipher.decrypt(after.refresh_token_enc!, aad.connectionRefreshToken(after.id))).toBe(
        tokens.refreshToken,
      );
      // And it still works for the next refresh.
      await service.getUserToken(integration, userId, { minValiditySeconds: 7200 });
      expect(idp.calls.refresh_token).toBe(2);
      expect((await connectionOf(userId)).status).toBe("connected");
    });

    it("coalesces 500 concurrent requests in one process into one refresh", async () => {
      const { userId } = await connect(-10);
      const results = await Promise.all(
        Array.from({ length: 500 }, () => service.getUserToken(integration, userId)),
      );
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      expect(idp.calls.refresh_token).toBe(1);
    });

    it("refreshes once when two services on separate database handles race (the cross-process lock)", async () => {
      const { userId } = await connect(-10);
      const a = newService(store);
      const b = newService(otherProcess);
      // A slow provider widens the window in which both hold a stale row.
      idp.beforeRefresh = () => new Promise((resolve) => setTimeout(resolve, 200));
      const results = await Promise.all([
        ...Array.from({ length: 20 }, () => a.getUserToken(integration, userId)),
        ...Array.from({ length: 20 }, () => b.getUserToken(integration, userId)),
      ]);
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      expect(idp.calls.refresh_token).toBe(1);
      expect(outcomes.filter((o) => o === "success")).toHaveLength(1);
    });

    it("retries transient failures and succeeds when the provider recovers", async () => {
      const { userId, tokens } = await connect(0);
      idp.failNext = 2;
      const result = await service.getUserToken(integration, userId);
      expect(result.accessToken).not.toBe(tokens.accessToken);
      expect(idp.calls.refresh_token).toBe(3);
    });

    it("honours 429 Retry-After within the retry budget", async () => {
      const { userId } = await connect(0);
      idp.failNext = 1;
      idp.failWith = "429";
      idp.retryAfterSeconds = 0;
      await service.getUserToken(integration, userId);
      expect(idp.calls.refresh_token).toBe(2);
      idp.failWith = "503";
    });

    it("serves the still-valid token while the provider is down, and stays connected", async () => {
      const { userId, tokens } = await connect(30);
      idp.failNext = 100;
      const result = await service.getUserToken(integration, userId, { minValiditySeconds: 60 });
      expect(result.accessToken).toBe(tokens.accessToken);
      expect(outcomes).toEqual(["provider_unavailable"]);
      expect((await connectionOf(userId)).status).toBe("connected");
    });

    it("answers provider_unavailable (503) when down and the token has expired; recovers later", async () => {
      const { userId } = await connect(-5);
      idp.failNext = 100;
      await expect(service.getUserToken(integration, userId)).rejects.toMatchObject({
        code: "provider_unavailable",
        status: 503,
      });
      expect((await connectionOf(userId)).status).toBe("connected");
      idp.failNext = 0;
      const result = await service.getUserToken(integration, userId);
      expect(result.expiresAt).toBeGreaterThan(Date.now());
    });

    it("marks reconnect_required on invalid_grant and then answers login_required without a call", async () => {
      const { userId } = await connect(0);
      idp.failNext = 1;
      idp.failWith = "invalid_grant";
      const error = await service.getUserToken(integration, userId).catch((err: unknown) => err);
      expect(error).toMatchObject({ code: "login_required", status: 401 });
      expect(JSON.stringify((error as { details?: unknown }).details)).not.toMatch(/rt-|at-/);
      expect((await connectionOf(userId)).status).toBe("reconnect_required");
      expect(outcomes).toEqual(["invalid_grant"]);
      idp.failWith = "503";
      await expect(service.getUserToken(integration, userId)).rejects.toMatchObject({
        code: "login_required",
      });
      expect(idp.calls.refresh_token).toBe(1);
      expect((await service.listConnections(userId))[0]).toMatchObject({
        integration: integration.name,
        status: "reconnect_required",
      });
      // Reconnecting (a new code exchange) makes it usable again.
      const issued = exchangedTokens(idp);
      await service.saveConnection(integration, userId, issued);
      expect((await service.getUserToken(integration, userId)).accessToken).toBe(issued.accessToken);
    });

    // Only a lost SQLite lease lets another refresher in; on PostgreSQL the row lock makes it impossible
    // (the "other process" write below would wait for the lock the refresh holds).
    it.skipIf(target.dialect === "postgres")(
      "treats invalid_grant after the stored refresh token changed as a race and uses the new one",
      async () => {
        const { userId } = await connect(0);
        const row = await connectionOf(userId);
        // As if another process refreshed while this one's request was on the wire (a lost lease):
        // the provider has rotated, and the database holds the winner's tokens.
        idp.beforeRefresh = async () => {
          idp.beforeRefresh = undefined;
          const winner = idp.issue();
          await store.db
            .updateTable("connections")
            .set({
              access_token_enc: cipher.encrypt(winner.accessToken, `connections:${row.id}:access_token`),
              refresh_token_enc: cipher.encrypt(winner.refreshToken, aad.connectionRefreshToken(row.id)),
              expires_at: winner.expiresAt,
              version: row.version + 1,
            })
            .where("id", "=", row.id)
            .execute();
          idp.failNext = 1;
          idp.failWith = "invalid_grant";
        };
        const result = await service.getUserToken(integration, userId);
        expect(result.expiresAt).toBeGreaterThan(Date.now() + 60_000);
        expect((await connectionOf(userId)).status).toBe("connected");
        idp.failWith = "503";
      },
    );

    it("lists the user's connections without any token", async () => {
      const { userId, tokens } = await connect(600);
      const list = await service.listConnections(userId);
      expect(list).toEqual([
        {
          integration: integration.name,
          status: "connected",
          scopes: tokens.scopes,
          expiresAt: tokens.expiresAt,
          connectedAt: expect.any(Number),
          lastRefreshedAt: null,
        },
      ]);
      expect(JSON.stringify(list)).not.toContain(tokens.accessToken);
    });

    it("disconnect revokes refresh and access tokens at the provider, then deletes", async () => {
      const { userId, tokens } = await connect(600);
      expect(await service.disconnect(integration, userId)).toBe(true);
      expect(idp.revoked).toEqual(
        expect.arrayContaining([
          { token: tokens.refreshToken, hint: "refresh_token" },
          { token: tokens.accessToken, hint: "access_token" },
        ]),
      );
      expect(await service.listConnections(userId)).toEqual([]);
      expect(await service.disconnect(integration, userId)).toBe(false);
    });

    it("disconnect still deletes when revocation fails (best effort)", async () => {
      const { userId } = await connect(600);
      const unreachable = { ...integration, revocationUrl: "http://127.0.0.1:9/connect/revocation" };
      expect(await service.disconnect(unreachable, userId)).toBe(true);
      expect(await service.listConnections(userId)).toEqual([]);
    });

    it("deleteIntegrationTokens revokes and deletes every connection of the integration", async () => {
      const own = await createIntegration(store, cipher, idp.url);
      const users = await Promise.all([createUser(store), createUser(store), createUser(store)]);
      for (const userId of users) {
        await service.saveConnection(own, userId, exchangedTokens(idp));
      }
      await service.deleteIntegrationTokens(own);
      expect(idp.calls.revocation).toBe(6);
      const left = await store.db
        .selectFrom("connections")
        .select("id")
        .where("integration_id", "=", own.id)
        .execute();
      expect(left).toEqual([]);
    });

    it("deleteIntegrationTokens stops revoking once its budget is spent, and still deletes", async () => {
      const own = await createIntegration(store, cipher, idp.url);
      for (let i = 0; i < 3; i++) {
        await service.saveConnection(own, await createUser(store), exchangedTokens(idp));
      }
      await service.deleteIntegrationTokens(own, { revocationBudgetMs: 0 });
      expect(idp.calls.revocation).toBe(0);
      expect(await new IntegrationStore(store, cipher).countConnections(own.id)).toBe(0);
    });

    it("background refresher refreshes connections about to expire, and only those", async () => {
      const soon = await connect(60);
      const later = await connect(3600);
      const refresher = startBackgroundRefresher({
        tokenService: service,
        store,
        intervalMs: 60_000,
        refreshAheadSeconds: 120,
        maxPerIntegrationPerSecond: 100,
        batchSize: 1000,
      });
      try {
        const pass = await refresher.runOnce();
        expect(pass.refreshed).toBeGreaterThanOrEqual(1);
        expect((await connectionOf(soon.userId)).last_refreshed_at).not.toBeNull();
        expect((await connectionOf(later.userId)).last_refreshed_at).toBeNull();
        // A second pass finds nothing left to do for that connection.
        const refreshes = idp.calls.refresh_token;
        const version = (await connectionOf(soon.userId)).version;
        await refresher.runOnce();
        expect((await connectionOf(soon.userId)).version).toBe(version);
        expect(idp.calls.refresh_token).toBe(refreshes);
      } finally {
        await refresher.stop();
      }
    });

    it("background refresher also refreshes idle connections when asked to, a few at a time", async () => {
      const idle = await connect(3600);
      const active = await connect(3600);
      const longAgo = Date.now() - 40 * 86_400_000;
      await store.db
        .updateTable("connections")
        .set({ connected_at: longAgo, last_refreshed_at: null })
        .where("user_id", "=", idle.userId)
        .execute();
      const refresher = startBackgroundRefresher({
        tokenService: service,
        store,
        intervalMs: 60_000,
        refreshAheadSeconds: 60,
        idleRefreshAfterSeconds: 30 * 86_400,
        maxConcurrent: 1,
        maxPerIntegrationPerSecond: 100,
      });
      try {
        await refresher.runOnce();
      } finally {
        await refresher.stop();
      }
      expect((await connectionOf(idle.userId)).last_refreshed_at).not.toBeNull();
      expect((await connectionOf(active.userId)).last_refreshed_at).toBeNull();
    });

    describe("client credentials", () => {
      let serviceIntegration: Integration;
      beforeAll(async () => {
        serviceIntegration = await createIntegration(store, cipher, idp.url, {
          grantType: "client_credentials",
          clientId: "sandbox-service",
          clientSecret: "sandbox-service-secret",
          scopes: ["itwin-platform"],
        });
      });

      it("obtains one token for many concurrent callers and caches it", async () => {
        const results = await Promise.all(
          Array.from({ length: 100 }, () => service.getServiceToken(serviceIntegration)),
        );
        expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
        expect(idp.calls.client_credentials).toBe(1);
        await service.getServiceToken(serviceIntegration);
        expect(idp.calls.client_credentials).toBe(1);
        expect(await allStoredText(store)).not.toContain(results[0]!.accessToken);
      });

      it("gets a new one shortly before expiry, once across two database handles", async () => {
        const a = newService(store);
        const b = newService(otherProcess);
        idp.lifetimeSeconds = 3600;
        const results = await Promise.all([
          ...Array.from({ length: 20 }, () =>
            a.getServiceToken(serviceIntegration, { minValiditySeconds: 7200 }),
          ),
          ...Array.from({ length: 20 }, () =>
            b.getServiceToken(serviceIntegration, { minValiditySeconds: 7200 }),
          ),
        ]);
        expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
        expect(idp.calls.client_credentials).toBe(1);
      });

      it("refuses a user integration", async () => {
        await expect(service.getServiceToken(integration)).rejects.toMatchObject({
          code: "integration_grant_mismatch",
        });
      });
    });
  });
});
