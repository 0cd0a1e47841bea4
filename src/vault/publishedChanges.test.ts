import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import { createIntegration } from "../../test/helpers/vaultFixtures.ts";
import { useVaultSuite } from "../../test/helpers/vaultSuite.ts";
import { openChangeFeed, type Change, type ChangeFeed } from "../db/changeFeed.ts";
import { IntegrationStore } from "./integrationStore.ts";

/**
 * Every vault write that changes what a cache holds publishes its change, and another database handle (as
 * another hub would have) hears it: the other half of the caches' correctness.
 */
forEachDatabase("changes the vault publishes", (getStore, target) => {
  const v = useVaultSuite(getStore, target);
  let feed: ChangeFeed;
  let heard: Change[] = [];
  beforeAll(async () => {
    feed = await openChangeFeed(v.otherProcess);
    feed.subscribe((event) => {
      if (event.type === "change") heard.push(event.change);
    });
  });
  afterAll(() => feed.close());
  beforeEach(() => {
    heard = [];
  });
  /** What the other handle heard of everything committed so far. */
  const changes = async () => {
    await feed.caughtUp();
    return heard;
  };

  it("a refresh, a refused refresh and a reconnect: connection_changed", async () => {
    const { userId } = await v.connect(-1);
    await v.service.getUserToken(v.integration, userId);
    const { id } = await v.connectionOf(userId);
    expect(await changes()).toEqual([{ kind: "connection_changed", key: id }]);

    heard = [];
    await v.store.db.updateTable("connections").set({ expires_at: 0 }).where("id", "=", id).execute();
    v.idp.failNext = 1;
    v.idp.failWith = "invalid_grant";
    await v.service.getUserToken(v.integration, userId).catch(() => {});
    v.idp.failWith = "503";
    expect((await v.connectionOf(userId)).status).toBe("reconnect_required");
    expect(await changes()).toEqual([{ kind: "connection_changed", key: id }]);

    heard = [];
    const issued = v.idp.issue();
    await v.service.saveConnection(v.integration, userId, {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      tokenType: "Bearer",
      expiresAt: Date.now() + 3_600_000,
      scopes: [],
      idToken: null,
    });
    expect(await changes()).toEqual([{ kind: "connection_changed", key: id }]);
  });

  it("a disconnect: connection_changed; deleting an integration's tokens: integration_changed", async () => {
    const { userId } = await v.connect(600);
    const { id } = await v.connectionOf(userId);
    await v.service.disconnect(v.integration, userId);
    expect(await changes()).toEqual([{ kind: "connection_changed", key: id }]);

    const doomed = await createIntegration(v.store, v.cipher, v.idp.url);
    const { userId: other } = await v.connect(600);
    await v.store.db
      .updateTable("connections")
      .set({ integration_id: doomed.id })
      .where("user_id", "=", other)
      .execute();
    heard = [];
    await v.service.deleteIntegrationTokens(doomed);
    expect(await changes()).toContainEqual({ kind: "integration_changed", key: doomed.id });
    expect(await changes()).toContainEqual({ kind: "service_token_changed", key: doomed.id });
  });

  it("an integration updated or deleted: integration_changed", async () => {
    const store = new IntegrationStore(v.store, v.cipher);
    const made = await createIntegration(v.store, v.cipher, v.idp.url);
    await store.update(made.name, { description: "changed" });
    expect(await changes()).toEqual([{ kind: "integration_changed", key: made.id }]);
    heard = [];
    await store.delete(made.name);
    expect(await changes()).toEqual([{ kind: "integration_changed", key: made.id }]);
  });

  it("a client-credentials token obtained: service_token_changed", async () => {
    const service = await createIntegration(v.store, v.cipher, v.idp.url, {
      grantType: "client_credentials",
      clientId: "sandbox-service",
      clientSecret: "sandbox-service-secret",
    });
    await v.service.getServiceToken(service);
    expect(await changes()).toEqual([{ kind: "service_token_changed", key: service.id }]);
  });

  it("reading a token that is still fresh publishes nothing", async () => {
    const { userId } = await v.connect(3000);
    await v.service.getUserToken(v.integration, userId);
    expect(await changes()).toEqual([]);
  });
});
