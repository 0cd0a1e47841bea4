/**
 * Expiry values a provider may legally send (oauth4webapi accepts any finite non-negative `expires_in`, e.g.
 * "3599.5" or 1e20) must store on both databases: expires_at is an integer column on PostgreSQL.
 */
import { expect, it } from "vitest";
import type { TokenSet } from "../../src/oauth/index.ts";
import { TokenService } from "../../src/vault/tokenService.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { createIntegration, createUser, oauthConfigFor, testCipher } from "../helpers/vaultFixtures.ts";

forEachDatabase("odd expires_in", (getStore) => {
  const cipher = testCipher("k1");
  const tokensExpiringIn = (seconds: number): TokenSet => ({
    accessToken: "access-edge",
    tokenType: "Bearer",
    refreshToken: "refresh-edge",
    expiresAt: Date.now() + seconds * 1000,
    scopes: [],
    idToken: null,
  });

  for (const seconds of [3599.5, 3599.9999, 1e20]) {
    it(`stores and reads back a connection whose expires_in is ${seconds}`, async () => {
      const store = getStore();
      const service = new TokenService({ store, keyRing: cipher, oauthConfigFor });
      const integration = await createIntegration(store, cipher, "http://127.0.0.1:1"); // never called: the tokens are fresh
      const userId = await createUser(store);
      await service.saveConnection(integration, userId, tokensExpiringIn(seconds));
      await service.saveConnection(integration, userId, tokensExpiringIn(seconds));
      const [connection] = await service.listConnections(userId);
      expect(Number.isFinite(connection?.expiresAt)).toBe(true);
      expect(Number.isInteger(connection?.expiresAt)).toBe(true);
      // Routes answer the expiry as ISO text.
      const token = await service.getUserToken(integration, userId);
      expect(() => new Date(token.expiresAt).toISOString()).not.toThrow();
    });
  }
});
