import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { migrations } from "../../src/db/migrations/index.ts";
import type { Store } from "../../src/db/index.ts";
import { connectionRow } from "../helpers/connectionRow.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { integrationRow, oauthStateRow, type OAuthStateOwner } from "../helpers/storedRows.ts";

const t0 = 1_795_000_000_000; // an epoch-ms time well past 2^32, as every stored time is

async function addUser(store: Store, email = `${randomUUID()}@example.com`): Promise<string> {
  const id = randomUUID();
  await store.db
    .insertInto("users")
    .values({ id, email, password_hash: "scrypt$x", role: "user", created_at: t0 })
    .execute();
  return id;
}

async function addIntegration(store: Store, name = `i-${randomUUID()}`): Promise<string> {
  const id = randomUUID();
  await store.db
    .insertInto("integrations")
    .values(integrationRow(id, t0, { name }))
    .execute();
  return id;
}

async function addConnection(store: Store, integrationId: string, userId: string): Promise<string> {
  const id = randomUUID();
  await store.db
    .insertInto("connections")
    .values(
      connectionRow({
        id,
        integration_id: integrationId,
        user_id: userId,
        refresh_token_enc: null,
        expires_at: t0 + 3_600_000,
        connected_at: t0,
        version: 0,
      }),
    )
    .execute();
  return id;
}

async function addSession(store: Store, userId: string): Promise<string> {
  const id = randomUUID();
  await store.db
    .insertInto("sessions")
    .values({ id, user_id: userId, created_at: t0, expires_at: t0 + 1 })
    .execute();
  return id;
}

/** A pending authorization state for `owner` (session, user, integration); returns its hash. */
async function addOAuthState(store: Store, owner: OAuthStateOwner): Promise<string> {
  const stateHash = randomUUID();
  await store.db
    .insertInto("oauth_states")
    .values(oauthStateRow(stateHash, owner, { created_at: t0, expires_at: t0 + 600_000 }))
    .execute();
  return stateHash;
}

async function count(
  store: Store,
  table: "connections" | "sessions" | "personal_access_tokens" | "oauth_states" | "service_tokens",
): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

forEachDatabase("schema", (getStore, target) => {
  it("runs every migration and records it", async () => {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      getStore().db,
    );
    expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
    const tables = (await getStore().db.introspection.getTables()).map((t) => t.name).sort();
    expect(tables).toEqual(
      [
        "app_capabilities",
        "audit_events",
        "change_feed",
        "connections",
        "integrations",
        "oauth_states",
        "personal_access_tokens",
        "revoked_tokens",
        "service_tokens",
        "sessions",
        "user_identities",
        "users",
      ].sort(),
    );
  });

  it("reopening an up-to-date database runs nothing and keeps the data", async () => {
    const userId = await addUser(getStore());
    const again = await target.open();
    const user = await again.db.selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst();
    expect(user?.id).toBe(userId);
    expect(again.dialect).toBe(target.dialect);
  });

  it.skipIf(target.dialect !== "postgres")("names its PostgreSQL sessions gatehouse", async () => {
    const rows = await sql<{ name: string }>`select current_setting('application_name') as name`.execute(
      getStore().db,
    );
    expect(rows.rows[0]?.name).toBe("gatehouse");
  });

  it("reports its dialect", () => {
    expect(getStore().dialect).toBe(target.dialect);
  });

  it("returns epoch-millisecond times as numbers, beyond 32 bits", async () => {
    const store = getStore();
    const userId = await addUser(store);
    const row = await store.db
      .selectFrom("users")
      .select("created_at")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(t0);
    expect(typeof row.created_at).toBe("number");
    const counted = await store.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(typeof counted.n).toBe("number");
  });

  it("rejects a second user with the same email", async () => {
    const store = getStore();
    await addUser(store, "same@example.com");
    await expect(addUser(store, "same@example.com")).rejects.toThrow(/unique/i);
  });

  it("rejects a second integration with the same name", async () => {
    const store = getStore();
    await addIntegration(store, "dup-name");
    await expect(addIntegration(store, "dup-name")).rejects.toThrow(/unique/i);
  });

  it("allows one connection per integration and user", async () => {
    const store = getStore();
    const [userId, integrationId] = [await addUser(store), await addIntegration(store)];
    await addConnection(store, integrationId, userId);
    await expect(addConnection(store, integrationId, userId)).rejects.toThrow(/unique/i);
    await addConnection(store, integrationId, await addUser(store));
  });

  it("rejects a personal access token hash that already exists", async () => {
    const store = getStore();
    const userId = await addUser(store);
    const row = {
      user_id: userId,
      name: "t",
      token_hash: "a".repeat(64),
      created_at: t0,
      last_used_at: null,
    };
    await store.db
      .insertInto("personal_access_tokens")
      .values({ id: randomUUID(), ...row })
      .execute();
    await expect(
      store.db
        .insertInto("personal_access_tokens")
        .values({ id: randomUUID(), ...row })
        .execute(),
    ).rejects.toThrow(/unique/i);
  });

  it("rejects a connection for a user that does not exist", async () => {
    const store = getStore();
    const integrationId = await addIntegration(store);
    await expect(addConnection(store, integrationId, "no-such-user")).rejects.toThrow(/foreign key/i);
  });

  it("deleting a user removes their sessions, tokens, connections and pending states", async () => {
    const store = getStore();
    const userId = await addUser(store);
    const integrationId = await addIntegration(store);
    const sessionId = await addSession(store, userId);
    await addConnection(store, integrationId, userId);
    await store.db
      .insertInto("personal_access_tokens")
      .values({
        id: randomUUID(),
        user_id: userId,
        name: "t",
        token_hash: randomUUID(),
        created_at: t0,
        last_used_at: null,
      })
      .execute();
    await addOAuthState(store, { sessionId, userId, integrationId });

    const before = {
      connections: await count(store, "connections"),
      sessions: await count(store, "sessions"),
      tokens: await count(store, "personal_access_tokens"),
      states: await count(store, "oauth_states"),
    };
    await store.db.deleteFrom("users").where("id", "=", userId).execute();
    expect(await count(store, "connections")).toBe(before.connections - 1);
    expect(await count(store, "sessions")).toBe(before.sessions - 1);
    expect(await count(store, "personal_access_tokens")).toBe(before.tokens - 1);
    expect(await count(store, "oauth_states")).toBe(before.states - 1);
  });

  it("deleting a session removes its pending authorization states", async () => {
    const store = getStore();
    const userId = await addUser(store);
    const integrationId = await addIntegration(store);
    const sessionId = await addSession(store, userId);
    const stateHash = await addOAuthState(store, { sessionId, userId, integrationId });
    await store.db.deleteFrom("sessions").where("id", "=", sessionId).execute();
    const left = await store.db
      .selectFrom("oauth_states")
      .select("state_hash")
      .where("state_hash", "=", stateHash)
      .execute();
    expect(left).toEqual([]);
  });

  it("deleting an integration removes its connections and its service token", async () => {
    const store = getStore();
    const userId = await addUser(store);
    const integrationId = await addIntegration(store);
    const connectionId = await addConnection(store, integrationId, userId);
    await store.db
      .insertInto("service_tokens")
      .values({
        integration_id: integrationId,
        access_token_enc: "v1.k.x.y",
        token_type: "Bearer",
        scopes: "[]",
        expires_at: t0,
        obtained_at: t0,
        version: 0,
        refresh_lease_owner: null,
        refresh_lease_until: null,
        key_id: "k",
      })
      .execute();
    await store.db.deleteFrom("integrations").where("id", "=", integrationId).execute();
    expect(
      await store.db.selectFrom("connections").select("id").where("id", "=", connectionId).execute(),
    ).toEqual([]);
    expect(
      await store.db
        .selectFrom("service_tokens")
        .select("integration_id")
        .where("integration_id", "=", integrationId)
        .execute(),
    ).toEqual([]);
    // The user stays.
    expect(await store.db.selectFrom("users").select("id").where("id", "=", userId).execute()).toHaveLength(
      1,
    );
  });

  it("has the indexes the refresher and the cleanup jobs scan by", async () => {
    const store = getStore();
    const names =
      store.dialect === "postgres"
        ? (
            await sql<{
              name: string;
            }>`select indexname as name from pg_indexes where schemaname = 'public'`.execute(store.db)
          ).rows
        : (await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(store.db))
            .rows;
    const indexNames = names.map((r) => r.name);
    for (const wanted of [
      "connections_expires_at_idx",
      "connections_key_id_idx",
      "sessions_expires_at_idx",
      "oauth_states_expires_at_idx",
    ]) {
      expect(indexNames).toContain(wanted);
    }
  });

  it("stores times as BIGINT on PostgreSQL and INTEGER on SQLite", async () => {
    const store = getStore();
    if (store.dialect === "postgres") {
      const rows = await sql<{ data_type: string }>`
        select data_type from information_schema.columns
        where table_name = 'connections' and column_name = 'expires_at'`.execute(store.db);
      expect(rows.rows[0]?.data_type).toBe("bigint");
    } else {
      const rows = await sql<{ name: string; type: string }>`pragma table_info(connections)`.execute(
        store.db,
      );
      expect(rows.rows.find((r) => r.name === "expires_at")?.type.toLowerCase()).toBe("integer");
    }
  });
});
