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

  it("gets a new one shortly before expiry, once across two database handles", async () => {
    const a = v.newService(v.store);
    const b = v.newService(v.otherProcess);
    // Asked for more validity than the stored token has left (at most 3600 s), and less than a new one
    // brings (7200 s): whoever gets the lock first obtains it, everyone after finds it fresh, however the
    // requests interleave.
    v.idp.lifetimeSeconds = 7200;
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () =>
        a.getServiceToken(serviceIntegration, { minValiditySeconds: 3700 }),
      ),
      ...Array.from({ length: 20 }, () =>
        b.getServiceToken(serviceIntegration, { minValiditySeconds: 3700 }),
      ),
    ]);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(v.idp.calls.client_credentials).toBe(1);
  });

  it("refuses a user integration", async () => {
    await expect(v.service.getServiceToken(v.integration)).rejects.toMatchObject({
      code: "integration_grant_mismatch",
    });
  });
});
