import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../db/index.ts";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import { startFakeTokenServer, type FakeTokenServer } from "../../test/helpers/fakeTokenServer.ts";
import {
  createIntegration,
  createUser,
  oauthConfigFor,
  testCipher,
} from "../../test/helpers/vaultFixtures.ts";
import type { Integration } from "./integrationStore.ts";
import { RefreshCoordinator, SingleFlight } from "./refreshCoordinator.ts";
import { TokenService } from "./tokenService.ts";

describe("SingleFlight", () => {
  it("shares one run among concurrent callers of a key, and starts afresh afterwards", async () => {
    const flights = new SingleFlight();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = async () => {
      runs++;
      await gate;
      return runs;
    };
    const first = [flights.run("a", work), flights.run("a", work), flights.run("b", work)];
    expect(flights.size).toBe(2);
    release();
    expect(await Promise.all(first)).toEqual([2, 2, 2]);
    expect(flights.size).toBe(0);
    expect(await flights.run("a", work)).toBe(3);
  });

  it("forgets a failed run so the next caller tries again", async () => {
    const flights = new SingleFlight();
    await expect(flights.run("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await flights.run("k", async () => "ok")).toBe("ok");
  });
});

forEachDatabase("RefreshCoordinator", (getStore, target) => {
  let store: Store;
  let idp: FakeTokenServer;
  const cipher = testCipher("k1");
  let integration: Integration;

  beforeAll(async () => {
    store = getStore();
    idp = await startFakeTokenServer();
    integration = await createIntegration(store, cipher, idp.url);
  });
  afterAll(async () => {
    await idp.close();
  });

  async function connection(
    expiresInMs: number,
  ): Promise<{ userId: string; id: string; accessToken: string }> {
    const userId = await createUser(store);
    const issued = idp.issue();
    const service = new TokenService({ store, keyRing: cipher, oauthConfigFor });
    await service.saveConnection(integration, userId, {
      accessToken: issued.accessToken,
      tokenType: "Bearer",
      refreshToken: issued.refreshToken,
      expiresAt: Date.now() + expiresInMs,
      scopes: [],
      idToken: null,
    });
    const row = await store.db
      .selectFrom("connections")
      .select("id")
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    return { userId, id: row.id, accessToken: issued.accessToken };
  }

  it("hands a waiter the changed row instead of running twice", async () => {
    const { id } = await connection(-1000);
    const a = new RefreshCoordinator(store);
    const b = new RefreshCoordinator(await target.open());
    const row = await store.db
      .selectFrom("connections")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    let writes = 0;
    const work =
      (coordinatorDelayMs: number) => async (locked: typeof row | undefined, db: typeof store.db) => {
        if (!locked || locked.version !== row.version) return "skipped";
        await new Promise((resolve) => setTimeout(resolve, coordinatorDelayMs));
        const result = await db
          .updateTable("connections")
          .set({ version: locked.version + 1 })
          .where("id", "=", id)
          .where("version", "=", locked.version)
          .executeTakeFirst();
        writes += Number(result.numUpdatedRows);
        return "wrote";
      };
    const outcomes = await Promise.all([
      a.withConnection(id, row.version, work(150)),
      b.withConnection(id, row.version, work(150)),
    ]);
    expect(outcomes.sort()).toEqual(["skipped", "wrote"]);
    expect(writes).toBe(1);
  });

  it.skipIf(target.dialect !== "sqlite")(
    "takes over the lease of a crashed holder once it expires",
    async () => {
      const { userId, id, accessToken } = await connection(-1000);
      // A process died holding the lease: it never writes and never releases.
      await store.db
        .updateTable("connections")
        .set({ refresh_lease_owner: `crashed-${randomUUID()}`, refresh_lease_until: Date.now() + 300 })
        .where("id", "=", id)
        .execute();
      idp.resetCounts();
      const service = new TokenService({ store, keyRing: cipher, oauthConfigFor });
      const result = await service.getUserToken(integration, userId);
      expect(result.accessToken).not.toBe(accessToken);
      expect(idp.calls.refresh_token).toBe(1);
      const row = await store.db
        .selectFrom("connections")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      expect(row.refresh_lease_owner).toBeNull();
    },
  );

  it.skipIf(target.dialect !== "postgres")(
    "a lock held too long elsewhere: serves the held token if unexpired, else provider_unavailable",
    async () => {
      const valid = await connection(600_000);
      const expired = await connection(-1000);
      const other = await target.open();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const lockTaken = new Promise<void>((resolve) => (locked = resolve));
      // Another process holding both rows locked (a stuck refresh).
      const holder = other.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom("connections")
          .select("id")
          .where("id", "in", [valid.id, expired.id])
          .forUpdate()
          .execute();
        locked();
        await gate;
      });
      try {
        await lockTaken;
        idp.resetCounts();
        const service = new TokenService({ store, keyRing: cipher, oauthConfigFor, leaseMs: 300 });
        const held = await service.getUserToken(integration, valid.userId, { minValiditySeconds: 7200 });
        expect(held.accessToken).toBe(valid.accessToken);
        await expect(service.getUserToken(integration, expired.userId)).rejects.toMatchObject({
          code: "provider_unavailable",
        });
        expect(idp.calls.refresh_token).toBe(0);
      } finally {
        release();
        await holder;
      }
    },
  );
});
