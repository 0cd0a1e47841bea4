import { describe, expect, it } from "vitest";
import type { TokenSet } from "../oauth/index.ts";
import type { FakeTokenServer } from "../../test/helpers/fakeTokenServer.ts";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import { allStoredText, createIntegration, createUser } from "../../test/helpers/vaultFixtures.ts";
import { useVaultSuite } from "../../test/helpers/vaultSuite.ts";
import { IntegrationStore } from "./integrationStore.ts";
import { aad } from "./aad.ts";

/** What a code exchange with the fake server leaves: its next tokens, no scopes reported, no ID token. */
function exchangedTokens(idp: FakeTokenServer): TokenSet {
  return { ...idp.issue(), tokenType: "Bearer", scopes: [], idToken: null };
}

forEachDatabase("TokenService", (getStore, target) => {
  describe("user and service tokens", () => {
    const v = useVaultSuite(getStore, target);

    it("serves a stored token that is valid long enough, without calling the provider", async () => {
      const { userId, tokens } = await v.connect(3600);
      const result = await v.service.getUserToken(v.integration, userId, { minValiditySeconds: 60 });
      expect(result).toEqual({
        accessToken: tokens.accessToken,
        tokenType: "Bearer",
        expiresAt: tokens.expiresAt,
        scopes: tokens.scopes,
      });
      expect(v.idp.calls.refresh_token).toBe(0);
      const stored = await allStoredText(v.store);
      expect(stored).not.toContain(tokens.accessToken);
      expect(stored).not.toContain(tokens.refreshToken);
      expect((await v.connectionOf(userId)).key_id).toBe("k1");
    });

    it("answers login_required when the user never connected", async () => {
      const userId = await createUser(v.store);
      await expect(v.service.getUserToken(v.integration, userId)).rejects.toMatchObject({
        code: "login_required",
        status: 401,
      });
    });

    it("refreshes a token valid for less than minValidity, once, and stores the rotated tokens", async () => {
      const { userId, tokens } = await v.connect(30);
      const before = await v.connectionOf(userId);
      const result = await v.service.getUserToken(v.integration, userId, { minValiditySeconds: 60 });
      expect(result.accessToken).not.toBe(tokens.accessToken);
      expect(result.expiresAt).toBeGreaterThan(Date.now() + 3000_000);
      expect(v.idp.calls.refresh_token).toBe(1);
      expect(v.outcomes).toEqual(["success"]);
      const after = await v.connectionOf(userId);
      expect(after.version).toBe(before.version + 1);
      expect(after.last_refreshed_at).not.toBeNull();
      expect(v.cipher.decrypt(after.refresh_token_enc!, aad.connectionRefreshToken(after.id))).not.toBe(
        tokens.refreshToken,
      );
      // The next call is served from storage.
      expect((await v.service.getUserToken(v.integration, userId)).accessToken).toBe(result.accessToken);
      expect(v.idp.calls.refresh_token).toBe(1);
    });

    it("keeps the old refresh token when the refresh answer has none", async () => {
      v.idp.omitRefreshToken = true;
      const { userId, tokens } = await v.connect(0);
      await v.service.getUserToken(v.integration, userId);
      const after = await v.connectionOf(userId);
      expect(v.cipher.decrypt(after.refresh_token_enc!, aad.connectionRefreshToken(after.id))).toBe(
        tokens.refreshToken,
      );
      // And it still works for the next refresh, once that token nears its end too.
      const expiresAt = Date.now() + 10_000;
      await v.store.db
        .updateTable("connections")
        .set({ expires_at: expiresAt, last_refreshed_at: expiresAt - 3_600_000 })
        .where("id", "=", after.id)
        .execute();
      await v.service.getUserToken(v.integration, userId);
      expect(v.idp.calls.refresh_token).toBe(2);
      expect((await v.connectionOf(userId)).status).toBe("connected");
    });

    it("one refresh per expiry when the provider's tokens live shorter than the margin asked", async () => {
      v.idp.lifetimeSeconds = 5;
      const { userId } = await v.connect(-1, { lifetimeSeconds: 5 });
      const a = v.newService(v.store);
      const b = v.newService(v.otherProcess);
      // Each freshly refreshed 5-second token is "valid for less than" 60 s or a day: without the cap at half
      // the lifetime every wave of callers would refresh again.
      for (const minValiditySeconds of [60, 86_400, 3]) {
        const results = await Promise.all([
          ...Array.from({ length: 20 }, () => a.getUserToken(v.integration, userId, { minValiditySeconds })),
          ...Array.from({ length: 20 }, () => b.getUserToken(v.integration, userId, { minValiditySeconds })),
        ]);
        expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      }
      expect(v.idp.calls.refresh_token).toBe(1);
    });

    it("a forced refresh renews a valid token once; more within a few seconds get that same token", async () => {
      const { userId, tokens } = await v.connect(1800);
      const forced = await v.service.forceRefreshUserToken(v.integration, userId);
      expect(forced.accessToken).not.toBe(tokens.accessToken);
      const again = await Promise.all([
        v.service.forceRefreshUserToken(v.integration, userId),
        v.newService(v.otherProcess).forceRefreshUserToken(v.integration, userId),
      ]);
      expect(again.map((r) => r.accessToken)).toEqual([forced.accessToken, forced.accessToken]);
      expect(v.idp.calls.refresh_token).toBe(1);
    });

    it("coalesces 500 concurrent requests in one process into one refresh", async () => {
      const { userId } = await v.connect(-10);
      const results = await Promise.all(
        Array.from({ length: 500 }, () => v.service.getUserToken(v.integration, userId)),
      );
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      expect(v.idp.calls.refresh_token).toBe(1);
    });

    it("refreshes once when two services on separate database handles race (the cross-process lock)", async () => {
      const { userId } = await v.connect(-10);
      const a = v.newService(v.store);
      const b = v.newService(v.otherProcess);
      // A slow provider widens the window in which both hold a stale row.
      v.idp.beforeRefresh = () => new Promise((resolve) => setTimeout(resolve, 200));
      const results = await Promise.all([
        ...Array.from({ length: 20 }, () => a.getUserToken(v.integration, userId)),
        ...Array.from({ length: 20 }, () => b.getUserToken(v.integration, userId)),
      ]);
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
      expect(v.idp.calls.refresh_token).toBe(1);
      expect(v.outcomes.filter((o) => o === "success")).toHaveLength(1);
    });

    it("retries transient failures and succeeds when the provider recovers", async () => {
      const { userId, tokens } = await v.connect(0);
      v.idp.failNext = 2;
      const result = await v.service.getUserToken(v.integration, userId);
      expect(result.accessToken).not.toBe(tokens.accessToken);
      expect(v.idp.calls.refresh_token).toBe(3);
    });

    it("honours 429 Retry-After within the retry budget", async () => {
      const { userId } = await v.connect(0);
      v.idp.failNext = 1;
      v.idp.failWith = "429";
      v.idp.retryAfterSeconds = 0;
      await v.service.getUserToken(v.integration, userId);
      expect(v.idp.calls.refresh_token).toBe(2);
      v.idp.failWith = "503";
    });

    it("serves the still-valid token while the provider is down, and stays connected", async () => {
      const { userId, tokens } = await v.connect(30);
      v.idp.failNext = 100;
      const result = await v.service.getUserToken(v.integration, userId, { minValiditySeconds: 60 });
      expect(result.accessToken).toBe(tokens.accessToken);
      expect(v.outcomes).toEqual(["provider_unavailable"]);
      expect((await v.connectionOf(userId)).status).toBe("connected");
    });

    it("answers provider_unavailable (503) when down and the token has expired; recovers later", async () => {
      const { userId } = await v.connect(-5);
      v.idp.failNext = 100;
      await expect(v.service.getUserToken(v.integration, userId)).rejects.toMatchObject({
        code: "provider_unavailable",
        status: 503,
      });
      expect((await v.connectionOf(userId)).status).toBe("connected");
      v.idp.failNext = 0;
      const result = await v.service.getUserToken(v.integration, userId);
      expect(result.expiresAt).toBeGreaterThan(Date.now());
    });

    it("marks reconnect_required on invalid_grant and then answers login_required without a call", async () => {
      const { userId } = await v.connect(0);
      v.idp.failNext = 1;
      v.idp.failWith = "invalid_grant";
      const error = await v.service.getUserToken(v.integration, userId).catch((err: unknown) => err);
      expect(error).toMatchObject({ code: "login_required", status: 401 });
      expect(JSON.stringify((error as { details?: unknown }).details)).not.toMatch(/rt-|at-/);
      expect((await v.connectionOf(userId)).status).toBe("reconnect_required");
      expect(v.outcomes).toEqual(["invalid_grant"]);
      v.idp.failWith = "503";
      await expect(v.service.getUserToken(v.integration, userId)).rejects.toMatchObject({
        code: "login_required",
      });
      expect(v.idp.calls.refresh_token).toBe(1);
      expect((await v.service.listConnections(userId))[0]).toMatchObject({
        integration: v.integration.name,
        status: "reconnect_required",
      });
      // Reconnecting (a new code exchange) makes it usable again.
      const issued = exchangedTokens(v.idp);
      await v.service.saveConnection(v.integration, userId, issued);
      expect((await v.service.getUserToken(v.integration, userId)).accessToken).toBe(issued.accessToken);
    });

    // Only a lost SQLite lease lets another refresher in; on PostgreSQL the row lock makes it impossible
    // (the "other process" write below would wait for the lock the refresh holds).
    it.skipIf(target.dialect === "postgres")(
      "treats invalid_grant after the stored refresh token changed as a race and uses the new one",
      async () => {
        const { userId } = await v.connect(0);
        const row = await v.connectionOf(userId);
        // As if another process refreshed while this one's request was on the wire (a lost lease):
        // the provider has rotated, and the database holds the winner's tokens.
        v.idp.beforeRefresh = async () => {
          v.idp.beforeRefresh = undefined;
          const winner = v.idp.issue();
          await v.store.db
            .updateTable("connections")
            .set({
              access_token_enc: v.cipher.encrypt(winner.accessToken, `connections:${row.id}:access_token`),
              refresh_token_enc: v.cipher.encrypt(winner.refreshToken, aad.connectionRefreshToken(row.id)),
              expires_at: winner.expiresAt,
              version: row.version + 1,
            })
            .where("id", "=", row.id)
            .execute();
          v.idp.failNext = 1;
          v.idp.failWith = "invalid_grant";
        };
        const result = await v.service.getUserToken(v.integration, userId);
        expect(result.expiresAt).toBeGreaterThan(Date.now() + 60_000);
        expect((await v.connectionOf(userId)).status).toBe("connected");
        v.idp.failWith = "503";
      },
    );

    it("lists the user's connections without any token", async () => {
      const { userId, tokens } = await v.connect(600);
      const list = await v.service.listConnections(userId);
      expect(list).toEqual([
        {
          integration: v.integration.name,
          status: "connected",
          scopes: tokens.scopes,
          expiresAt: tokens.expiresAt,
          connectedAt: expect.any(Number),
          lastRefreshedAt: null,
          // Opaque tokens and no ID token: the provider did not say which account it is.
          account: null,
        },
      ]);
      expect(JSON.stringify(list)).not.toContain(tokens.accessToken);
    });

    it("disconnect revokes refresh and access tokens at the provider, then deletes", async () => {
      const { userId, tokens } = await v.connect(600);
      expect(await v.service.disconnect(v.integration, userId)).toBe(true);
      expect(v.idp.revoked).toEqual(
        expect.arrayContaining([
          { token: tokens.refreshToken, hint: "refresh_token" },
          { token: tokens.accessToken, hint: "access_token" },
        ]),
      );
      expect(await v.service.listConnections(userId)).toEqual([]);
      expect(await v.service.disconnect(v.integration, userId)).toBe(false);
    });

    it("disconnect still deletes when revocation fails (best effort)", async () => {
      const { userId } = await v.connect(600);
      const unreachable = { ...v.integration, revocationUrl: "http://127.0.0.1:9/connect/revocation" };
      expect(await v.service.disconnect(unreachable, userId)).toBe(true);
      expect(await v.service.listConnections(userId)).toEqual([]);
    });

    it("deleteIntegrationTokens revokes and deletes every connection of the integration", async () => {
      const own = await createIntegration(v.store, v.cipher, v.idp.url);
      const users = await Promise.all([createUser(v.store), createUser(v.store), createUser(v.store)]);
      for (const userId of users) {
        await v.service.saveConnection(own, userId, exchangedTokens(v.idp));
      }
      await v.service.deleteIntegrationTokens(own);
      expect(v.idp.calls.revocation).toBe(6);
      const left = await v.store.db
        .selectFrom("connections")
        .select("id")
        .where("integration_id", "=", own.id)
        .execute();
      expect(left).toEqual([]);
    });

    it("deleteIntegrationTokens stops revoking once its budget is spent, and still deletes", async () => {
      const own = await createIntegration(v.store, v.cipher, v.idp.url);
      for (let i = 0; i < 3; i++) {
        await v.service.saveConnection(own, await createUser(v.store), exchangedTokens(v.idp));
      }
      await v.service.deleteIntegrationTokens(own, { revocationBudgetMs: 0 });
      expect(v.idp.calls.revocation).toBe(0);
      expect(await new IntegrationStore(v.store, v.cipher).countConnections(own.id)).toBe(0);
    });
  });
});
