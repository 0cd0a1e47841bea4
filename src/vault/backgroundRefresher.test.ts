import { expect, it } from "vitest";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import { useVaultSuite } from "../../test/helpers/vaultSuite.ts";
import { startBackgroundRefresher } from "./backgroundRefresher.ts";

forEachDatabase("background refresher", (getStore, target) => {
  const v = useVaultSuite(getStore, target);

  it("background refresher refreshes connections about to expire, and only those", async () => {
    const soon = await v.connect(60);
    const later = await v.connect(3600);
    const refresher = startBackgroundRefresher({
      tokenService: v.service,
      store: v.store,
      intervalMs: 60_000,
      refreshAheadSeconds: 120,
      maxPerIntegrationPerSecond: 100,
      batchSize: 1000,
    });
    try {
      const pass = await refresher.runOnce();
      expect(pass.refreshed).toBeGreaterThanOrEqual(1);
      expect((await v.connectionOf(soon.userId)).last_refreshed_at).not.toBeNull();
      expect((await v.connectionOf(later.userId)).last_refreshed_at).toBeNull();
      // A second pass finds nothing left to do for that connection.
      const refreshes = v.idp.calls.refresh_token;
      const version = (await v.connectionOf(soon.userId)).version;
      await refresher.runOnce();
      expect((await v.connectionOf(soon.userId)).version).toBe(version);
      expect(v.idp.calls.refresh_token).toBe(refreshes);
    } finally {
      await refresher.stop();
    }
  });

  it("background refresher also refreshes idle connections when asked to, a few at a time", async () => {
    const idle = await v.connect(3600);
    const active = await v.connect(3600);
    const longAgo = Date.now() - 40 * 86_400_000;
    await v.store.db
      .updateTable("connections")
      .set({ connected_at: longAgo, last_refreshed_at: null })
      .where("user_id", "=", idle.userId)
      .execute();
    const refresher = startBackgroundRefresher({
      tokenService: v.service,
      store: v.store,
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
    expect((await v.connectionOf(idle.userId)).last_refreshed_at).not.toBeNull();
    expect((await v.connectionOf(active.userId)).last_refreshed_at).toBeNull();
  });
});
