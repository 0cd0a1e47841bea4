import { beforeAll, expect, it } from "vitest";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import { allStoredText, createIntegration } from "../../test/helpers/vaultFixtures.ts";
import { useVaultSuite } from "../../test/helpers/vaultSuite.ts";
import type { Integration } from "./integrationStore.ts";

forEachDatabase("service tokens (client credentials)", (getStore, target) => {
  const v = useVaultSuite(getStore, target);
  let serviceIntegration: Integration;
  beforeAll(async () => {
    serviceIntegration = await createIntegration(v.store, v.cipher, v.idp.url, {
      grantType: "client_credentials",
      clientId: "sandbox-service",
      clientSecret: "sandbox-service-secret",
      scopes: ["itwin-platform"],
    });
  });

  it("obtains one token for many concurrent callers and caches it", async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, () => v.service.getServiceToken(serviceIntegration)),
    );
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(v.idp.calls.client_credentials).toBe(1);
    await v.service.getServiceToken(serviceIntegration);
    expect(v.idp.calls.client_credentials).toBe(1);
    expect(await allStoredText(v.store)).not.toContain(results[0]!.accessToken);
  });

  /** Makes the stored token one issued `lifetimeSeconds` ago that has `leftSeconds` to live. */
  const age = (lifetimeSeconds: number, leftSeconds: number) => {
    const expiresAt = Date.now() + leftSeconds * 1000;
    return v.store.db
      .updateTable("service_tokens")
      .set({ expires_at: expiresAt, obtained_at: expiresAt - lifetimeSeconds * 1000 })
      .where("integration_id", "=", serviceIntegration.id)
      .execute();
  };

  it("gets a new one shortly before expiry, once across two database handles", async () => {
    const a = v.newService(v.store);
    const b = v.newService(v.otherProcess);
    await a.getServiceToken(serviceIntegration);
    // An hour-long token with 30 s left, against the default margin of 60 s: whoever gets the lock first
    // obtains a new one, everyone after finds it fresh, however the requests interleave.
    await age(3600, 30);
    const before = v.idp.calls.client_credentials;
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => a.getServiceToken(serviceIntegration)),
      ...Array.from({ length: 20 }, () => b.getServiceToken(serviceIntegration)),
    ]);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(v.idp.calls.client_credentials - before).toBe(1);
  });

  it("asks once per expiry when the provider's tokens live shorter than the margin asked", async () => {
    v.idp.lifetimeSeconds = 5;
    const before = v.idp.calls.client_credentials;
    await age(5, -1);
    for (const minValiditySeconds of [60, 86_400, 0]) {
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          v.service.getServiceToken(serviceIntegration, { minValiditySeconds }),
        ),
      );
      expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    }
    expect(v.idp.calls.client_credentials - before).toBe(1);
  });

  it("a forced refresh gets a new token, but not twice within a few seconds", async () => {
    await v.service.getServiceToken(serviceIntegration);
    await age(3600, 1800);
    const before = v.idp.calls.client_credentials;
    const first = await v.service.forceRefreshServiceToken(serviceIntegration);
    const again = await Promise.all(
      Array.from({ length: 5 }, () => v.service.forceRefreshServiceToken(serviceIntegration)),
    );
    expect(new Set(again.map((r) => r.accessToken))).toEqual(new Set([first.accessToken]));
    expect(v.idp.calls.client_credentials - before).toBe(1);
  });

  it("refuses a user integration", async () => {
    await expect(v.service.getServiceToken(v.integration)).rejects.toMatchObject({
      code: "integration_grant_mismatch",
    });
  });
});
