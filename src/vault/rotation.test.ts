import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Store } from "../db/index.ts";
import { connectionRow } from "../../test/helpers/connectionRow.ts";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import { integrationRow, oauthStateRow } from "../../test/helpers/storedRows.ts";
import { keyIdOf } from "./cipher.ts";
import { KeyRing } from "./keyRing.ts";
import { aad } from "./aad.ts";
import { countRowsByKey, countRowsUnderKey, reencryptAll } from "./rotation.ts";

const t0 = 1_795_000_000_000;

interface Seeded {
  integrationIds: string[];
  connectionIds: string[];
  stateHashes: string[];
  /** Every plaintext by the AAD it was stored under. */
  plaintexts: Map<string, string>;
}

/** Writes rows to every encrypted table, their secrets under `ring`'s current key. */
async function seed(store: Store, ring: KeyRing, count: number): Promise<Seeded> {
  const seeded: Seeded = { integrationIds: [], connectionIds: [], stateHashes: [], plaintexts: new Map() };
  const enc = (plain: string, rowAad: string): string => {
    seeded.plaintexts.set(rowAad, plain);
    return ring.encrypt(plain, rowAad);
  };
  const userId = randomUUID();
  const sessionId = randomUUID();
  await store.db
    .insertInto("users")
    .values({ id: userId, email: `${userId}@example.com`, password_hash: "x", role: "user", created_at: t0 })
    .execute();
  await store.db
    .insertInto("sessions")
    .values({ id: sessionId, user_id: userId, created_at: t0, expires_at: t0 })
    .execute();
  for (let i = 0; i < count; i++) {
    const integrationId = randomUUID();
    const withSecret = i % 3 !== 0; // some public clients: no secret, no key id
    seeded.integrationIds.push(integrationId);
    await store.db
      .insertInto("integrations")
      .values(
        integrationRow(integrationId, t0, {
          client_secret_enc: withSecret
            ? enc(`secret-${i}`, aad.integrationClientSecret(integrationId))
            : null,
          token_endpoint_auth_method: withSecret ? "client_secret_basic" : "none",
          key_id: withSecret ? ring.currentKeyId : null,
        }),
      )
      .execute();
    const connectionId = randomUUID();
    seeded.connectionIds.push(connectionId);
    await store.db
      .insertInto("connections")
      .values(
        connectionRow({
          id: connectionId,
          integration_id: integrationId,
          user_id: userId,
          access_token_enc: enc(`access-${i}`, aad.connectionAccessToken(connectionId)),
          refresh_token_enc:
            i % 2 === 0 ? enc(`refresh-${i}`, aad.connectionRefreshToken(connectionId)) : null,
          expires_at: t0,
          connected_at: t0,
          version: 3,
          key_id: ring.currentKeyId,
        }),
      )
      .execute();
    await store.db
      .insertInto("service_tokens")
      .values({
        integration_id: integrationId,
        access_token_enc: enc(`service-${i}`, aad.serviceAccessToken(integrationId)),
        token_type: "Bearer",
        scopes: "[]",
        expires_at: t0,
        obtained_at: t0,
        version: 1,
        refresh_lease_owner: null,
        refresh_lease_until: null,
        key_id: ring.currentKeyId,
      })
      .execute();
    const stateHash = randomUUID().replace(/-/g, "");
    seeded.stateHashes.push(stateHash);
    await store.db
      .insertInto("oauth_states")
      .values(
        oauthStateRow(
          stateHash,
          { sessionId, userId, integrationId },
          {
            code_verifier_enc: enc(`verifier-${i}`, aad.oauthStateCodeVerifier(stateHash)),
            created_at: t0,
            expires_at: t0,
            key_id: ring.currentKeyId,
          },
        ),
      )
      .execute();
  }
  return seeded;
}

/** Reads every stored secret back, decrypting with `ring`, keyed by AAD; also returns the key ids found. */
async function readAll(
  store: Store,
  ring: KeyRing,
): Promise<{ plain: Map<string, string>; keyIds: Set<string> }> {
  const plain = new Map<string, string>();
  const keyIds = new Set<string>();
  const put = (value: string | null, rowAad: string): void => {
    if (value === null) return;
    keyIds.add(keyIdOf(value));
    plain.set(rowAad, ring.decrypt(value, rowAad));
  };
  for (const r of await store.db.selectFrom("integrations").selectAll().execute()) {
    put(r.client_secret_enc, aad.integrationClientSecret(r.id));
    if (r.client_secret_enc) expect(r.key_id).toBe(keyIdOf(r.client_secret_enc));
  }
  for (const r of await store.db.selectFrom("connections").selectAll().execute()) {
    put(r.access_token_enc, aad.connectionAccessToken(r.id));
    put(r.refresh_token_enc, aad.connectionRefreshToken(r.id));
    expect(r.key_id).toBe(keyIdOf(r.access_token_enc));
  }
  for (const r of await store.db.selectFrom("service_tokens").selectAll().execute()) {
    put(r.access_token_enc, aad.serviceAccessToken(r.integration_id));
    expect(r.key_id).toBe(keyIdOf(r.access_token_enc));
  }
  for (const r of await store.db.selectFrom("oauth_states").selectAll().execute()) {
    put(r.code_verifier_enc, aad.oauthStateCodeVerifier(r.state_hash));
    expect(r.key_id).toBe(keyIdOf(r.code_verifier_enc));
  }
  return { plain, keyIds };
}

async function clear(store: Store): Promise<void> {
  await store.db.deleteFrom("integrations").execute(); // cascades to connections, service tokens, states
  await store.db.deleteFrom("users").execute();
}

/** Empties the encrypted tables, then seeds `count` rows of each under a new ring's key. */
async function seedAfresh(store: Store, count: number): Promise<{ oldRing: KeyRing; seeded: Seeded }> {
  await clear(store);
  const oldRing = KeyRing.generate();
  return { oldRing, seeded: await seed(store, oldRing, count) };
}

forEachDatabase("key rotation", (getStore, target) => {
  it("moves every row to the new key in batches, and the data still decrypts", async () => {
    const store = getStore();
    const { oldRing, seeded } = await seedAfresh(store, 7);
    const { keyRing: newRing, keyId: newKeyId } = oldRing.withAddedKey();
    const underOld = await countRowsUnderKey(store, oldRing.currentKeyId);
    expect(await countRowsByKey(store)).toEqual({ [oldRing.currentKeyId]: underOld });
    // 7 connections + 7 service tokens + 7 states + the integrations that have a secret.
    expect(underOld).toBe(21 + 4);

    const progress: string[] = [];
    const result = await reencryptAll(store, newRing, {
      batchSize: 3,
      onProgress: (p) => progress.push(`${p.table}:${p.reencrypted}`),
    });

    expect(result).toMatchObject({ keyId: newKeyId, reencrypted: underOld, skipped: 0, failed: 0 });
    expect(await countRowsByKey(store)).toEqual({ [newKeyId]: underOld });
    expect(result.tables.connections.reencrypted).toBe(7);
    expect(progress).toContain("connections:3");
    expect(progress).toContain("connections:7");
    expect(await countRowsUnderKey(store, oldRing.currentKeyId)).toBe(0);
    expect(await countRowsUnderKey(store, newKeyId)).toBe(underOld);

    // The old key can now be retired: a ring without it reads everything.
    const newOnly = KeyRing.fromEnv(newRing.withAddedKey().env.split(",")[1]!);
    expect(newOnly.keyIds).toEqual([newKeyId]);
    const { plain, keyIds } = await readAll(store, newOnly);
    expect(keyIds).toEqual(new Set([newKeyId]));
    expect(plain).toEqual(seeded.plaintexts);

    // Versions are untouched: re-encryption is not a token change.
    const versions = await store.db.selectFrom("connections").select("version").execute();
    expect(versions.every((v) => v.version === 3)).toBe(true);

    // Nothing left to do on a second run.
    expect((await reencryptAll(store, newRing)).reencrypted).toBe(0);
  });

  it("never overwrites a row that was rewritten between its read and its write", async () => {
    const store = getStore();
    const { oldRing, seeded } = await seedAfresh(store, 4);
    const { keyRing: newRing } = oldRing.withAddedKey();
    const refreshedId = seeded.connectionIds[1]!;
    const patchedIntegration = seeded.integrationIds[1]!; // has a secret (1 % 3 !== 0)
    const accessAad = aad.connectionAccessToken(refreshedId);
    const secretAad = aad.integrationClientSecret(patchedIntegration);

    const result = await reencryptAll(store, newRing, {
      beforeWrite: async ({ table }) => {
        // Another hub, still on the old key ring, refreshes a token / an admin replaces a secret.
        if (table === "connections") {
          await store.db
            .updateTable("connections")
            .set((eb) => ({
              access_token_enc: oldRing.encrypt("refreshed-access", accessAad),
              version: eb("version", "+", 1),
            }))
            .where("id", "=", refreshedId)
            .execute();
        }
        if (table === "integrations") {
          await store.db
            .updateTable("integrations")
            .set({ client_secret_enc: oldRing.encrypt("new-secret", secretAad) })
            .where("id", "=", patchedIntegration)
            .execute();
        }
      },
    });

    expect(result.skipped).toBe(2);
    expect(result.tables.connections.skipped).toBe(1);
    expect(result.tables.integrations.skipped).toBe(1);
    const row = await store.db
      .selectFrom("connections")
      .selectAll()
      .where("id", "=", refreshedId)
      .executeTakeFirstOrThrow();
    expect(newRing.decrypt(row.access_token_enc, accessAad)).toBe("refreshed-access");
    const integration = await store.db
      .selectFrom("integrations")
      .selectAll()
      .where("id", "=", patchedIntegration)
      .executeTakeFirstOrThrow();
    expect(newRing.decrypt(integration.client_secret_enc!, secretAad)).toBe("new-secret");

    // Those two are still under the old key; the next run picks them up.
    expect(await countRowsUnderKey(store, oldRing.currentKeyId)).toBe(2);
    const again = await reencryptAll(store, newRing);
    expect(again).toMatchObject({ reencrypted: 2, skipped: 0, failed: 0 });
    expect(await countRowsUnderKey(store, oldRing.currentKeyId)).toBe(0);
  });

  // SQLite refreshers use leases, which never block a writer; only PostgreSQL has row locks.
  it.skipIf(target.dialect !== "postgres")("does not wait for a row a refresher holds locked", async () => {
    const store = getStore();
    const { oldRing, seeded } = await seedAfresh(store, 3);
    const { keyRing: newRing } = oldRing.withAddedKey();
    const busyId = seeded.connectionIds[0]!;
    const other = await target.open(); // another hub process
    const refresher = await other.db.startTransaction().execute();
    try {
      await refresher.selectFrom("connections").select("id").where("id", "=", busyId).forUpdate().execute();
      const result = await reencryptAll(store, newRing);
      expect(result.tables.connections).toEqual({ reencrypted: 2, skipped: 1, failed: 0 });
    } finally {
      await refresher.commit().execute();
    }
    expect(await countRowsUnderKey(store, oldRing.currentKeyId)).toBe(1);
    expect((await reencryptAll(store, newRing)).reencrypted).toBe(1);
    expect(await countRowsUnderKey(store, oldRing.currentKeyId)).toBe(0);
  });

  it("leaves rows it cannot decrypt as they are, reports them, and finishes the rest", async () => {
    const store = getStore();
    const { oldRing, seeded } = await seedAfresh(store, 3);
    const lostRing = KeyRing.generate(); // a key nobody configured any more
    const lostId = seeded.connectionIds[0]!;
    await store.db
      .updateTable("connections")
      .set({
        access_token_enc: lostRing.encrypt("x", aad.connectionAccessToken(lostId)),
        key_id: lostRing.currentKeyId,
      })
      .where("id", "=", lostId)
      .execute();
    // And one ciphertext copied into another row: its AAD no longer matches.
    const [a, b] = seeded.stateHashes;
    const stateA = await store.db
      .selectFrom("oauth_states")
      .selectAll()
      .where("state_hash", "=", a!)
      .executeTakeFirstOrThrow();
    await store.db
      .updateTable("oauth_states")
      .set({ code_verifier_enc: stateA.code_verifier_enc })
      .where("state_hash", "=", b!)
      .execute();

    const { keyRing: newRing } = oldRing.withAddedKey();
    const result = await reencryptAll(store, newRing, { batchSize: 1 });
    expect(result.failed).toBe(2);
    expect(result.failures).toEqual(
      expect.arrayContaining([
        { table: "connections", id: lostId, code: "decryption_failed" },
        { table: "oauth_states", id: b, code: "decryption_failed" },
      ]),
    );
    expect(JSON.stringify(result)).not.toMatch(/access-|verifier-|secret-/);
    expect(await countRowsUnderKey(store, lostRing.currentKeyId)).toBe(1);
    expect(await countRowsUnderKey(store, oldRing.currentKeyId)).toBe(1); // the moved state
  });

  it("skips placeholder rows that hold no secret yet", async () => {
    const store = getStore();
    const { oldRing: ring, seeded } = await seedAfresh(store, 1);
    await store.db
      .updateTable("service_tokens")
      .set({ access_token_enc: "", key_id: "" })
      .where("integration_id", "=", seeded.integrationIds[0]!)
      .execute();
    const result = await reencryptAll(store, ring.withAddedKey().keyRing);
    expect(result.failed).toBe(0);
    expect(result.tables.service_tokens.reencrypted).toBe(0);
  });
});

describe("reencryptAll arguments", () => {
  it("rejects a batch size that is not a positive integer", async () => {
    const store = { db: undefined as never, dialect: "sqlite" as const };
    await expect(reencryptAll(store, KeyRing.generate(), { batchSize: 0 })).rejects.toThrow(/batchSize/);
  });
});
