/**
 * The setup the vault's unit suites share: a store (and a second handle on the same database, as another
 * process would have), the in-process fake token endpoint, one authorization-code integration, and a fresh
 * TokenService per test whose refresh outcomes are recorded. Use inside forEachDatabase.
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Store } from "../../src/db/index.ts";
import type { TokenSet } from "../../src/oauth/index.ts";
import type { ConnectionRow } from "../../src/vault/connectionStore.ts";
import type { Integration } from "../../src/vault/integrationStore.ts";
import type { KeyRing } from "../../src/vault/keyRing.ts";
import { TokenService, type RefreshOutcome } from "../../src/vault/tokenService.ts";
import type { TestDatabase } from "./databases.ts";
import { startFakeTokenServer, type FakeTokenServer } from "./fakeTokenServer.ts";
import { createIntegration, createUser, oauthConfigFor, testCipher } from "./vaultFixtures.ts";

// Bounded by attempts, not by time: a busy machine must not cut an attempt short (retry.test.ts covers the
// time bound with its own clock).
const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 600_000 };

export interface VaultSuite {
  readonly cipher: KeyRing;
  store: Store;
  /** A second handle on the same database, as another hub process would open. */
  otherProcess: Store;
  idp: FakeTokenServer;
  integration: Integration;
  /** The refresh outcomes the current test's service counted. */
  outcomes: RefreshOutcome[];
  /** A fresh TokenService per test. */
  service: TokenService;
  newService(on?: Store): TokenService;
  /**
   * A connection as a code exchange leaves it, expiring in `expiresInSeconds`: its token was issued with a
   * lifetime of `lifetimeSeconds` (default one hour, as the platforms issue), so a minute left is a token
   * near the end of its life rather than a freshly issued short one (renewal.ts caps margins at half).
   */
  connect(
    expiresInSeconds: number,
    options?: { lifetimeSeconds?: number },
  ): Promise<{ userId: string; tokens: TokenSet }>;
  connectionOf(userId: string): Promise<ConnectionRow>;
}

export function useVaultSuite(getStore: () => Store, target: TestDatabase): VaultSuite {
  const suite = {
    cipher: testCipher("k1"),
    outcomes: [] as RefreshOutcome[],
    newService(on?: Store): TokenService {
      return new TokenService({
        store: on ?? suite.store,
        keyRing: suite.cipher,
        oauthConfigFor,
        retry: FAST_RETRY,
        metrics: { refreshes: (outcome) => suite.outcomes.push(outcome) },
      });
    },
    async connect(expiresInSeconds: number, options: { lifetimeSeconds?: number } = {}) {
      const userId = await createUser(suite.store);
      const issued = suite.idp.issue();
      const tokens: TokenSet = {
        accessToken: issued.accessToken,
        tokenType: "Bearer",
        refreshToken: issued.refreshToken,
        expiresAt: Date.now() + expiresInSeconds * 1000,
        scopes: ["itwin-platform", "offline_access"],
        idToken: null,
      };
      await suite.service.saveConnection(suite.integration, userId, tokens);
      // The token's issue time is the connect: move it to where a token of that lifetime was issued.
      const lifetimeMs = (options.lifetimeSeconds ?? 3600) * 1000;
      await suite.store.db
        .updateTable("connections")
        .set({ connected_at: tokens.expiresAt - lifetimeMs })
        .where("user_id", "=", userId)
        .execute();
      return { userId, tokens };
    },
    connectionOf(userId: string) {
      return suite.store.db
        .selectFrom("connections")
        .selectAll()
        .where("user_id", "=", userId)
        .where("integration_id", "=", suite.integration.id)
        .executeTakeFirstOrThrow();
    },
  } as VaultSuite;

  beforeAll(async () => {
    suite.store = getStore();
    suite.otherProcess = await target.open();
    suite.idp = await startFakeTokenServer();
    suite.integration = await createIntegration(suite.store, suite.cipher, suite.idp.url);
  });
  afterAll(async () => {
    await suite.idp.close();
  });
  beforeEach(() => {
    const { idp } = suite;
    idp.resetCounts();
    idp.failNext = 0;
    idp.rotate = true;
    idp.omitRefreshToken = false;
    idp.beforeRefresh = undefined;
    idp.lifetimeSeconds = 3600;
    suite.outcomes = [];
    suite.service = suite.newService();
  });
  return suite;
}
