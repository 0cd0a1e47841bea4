// Two hubs on one database, each with its own caches (its own Store, as another process has): every change
// one of them makes — or a direct write with its published change — is honoured by the other once its
// change feed has heard it (`caughtUp()`: a barrier on PostgreSQL, the per-read check on SQLite; no
// sleeping). Each test first shows that the other hub really serves from its cache, so that its refusal
// afterwards is the change feed's doing and not a database read.
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { inTransaction, publishChange, type FeedEvent } from "../../src/db/changeFeed.ts";
import type { Hub } from "../../src/hub/server.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { HubClient, startTestHub, type TestHub } from "../helpers/hub.ts";

const TOKEN_PATH = "/api/apps/itwin-browser/integrations/bentley-itwin/token";

interface TokenAnswer {
  accessToken: string;
}

/** Hits of one of a hub's caches so far. */
function hits(hub: Hub, cache: string): number {
  return hub.services.caches.coherence.stats().find((s) => s.name === cache)?.lookups.hits ?? 0;
}

/** Resolves at the first event of `hub`'s feed matching `test` (no clock involved). */
function nextEvent(hub: Hub, test: (event: FeedEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stop = hub.services.changeFeed!.subscribe((event) => {
      if (!test(event)) return;
      stop();
      resolve();
    });
  });
}

forEachDatabase("caches on two hubs", (_getStore, database) => {
  let a: TestHub;
  let b: TestHub;
  /** alice's browser on A, and the same cookie sent to B. */
  let onA: HubClient;
  let onB: HubClient;
  /** Every access token either hub answered, and every PAT made (none may appear in a log or a change). */
  const answered = new Set<string>();
  const pats = new Set<string>();
  /** Every payload NOTIFY carried on this database (PostgreSQL). */
  const notified: string[] = [];
  let listener: pg.Client | undefined;

  const heardOnB = () => b.hub.services.changeFeed!.caughtUp();
  const token = async (client: HubClient) => {
    const res = await client.get<TokenAnswer>(TOKEN_PATH);
    if (res.status === 200) answered.add(res.body.accessToken);
    return res;
  };
  const withCookieOn = (hub: TestHub, from: HubClient) => {
    const client = new HubClient(hub.url);
    client.jar.set("gatehouse_session", from.jar.get("gatehouse_session")!);
    return client;
  };
  const bearerOn = (hub: TestHub, pat: string) => Object.assign(new HubClient(hub.url), { bearer: pat });

  beforeAll(async () => {
    if (database.dialect === "postgres") {
      listener = new pg.Client({ connectionString: database.url });
      await listener.connect();
      listener.on("notification", (message) => notified.push(message.payload ?? ""));
      await listener.query("LISTEN gatehouse_changes");
    }
    a = await startTestHub({ store: database.store, config: { logLevel: "debug" } });
    b = await startTestHub({
      store: await database.open(),
      emulators: false,
      deps: { keyRing: a.hub.services.keyRing },
      config: { logLevel: "debug" },
    });
    onA = await a.signIn("alice@example.com");
    expect((await a.connect(onA, "bentley-itwin", "alice@example.com")).status).toBe(302);
    onB = withCookieOn(b, onA);
  });
  afterAll(async () => {
    await listener?.end();
    await b?.close();
    await a?.close();
  });

  it("a revoked personal access token: refused on the other hub, and at once on the hub that revoked it", async () => {
    const created = await onA.post<{ id: string; token: string }>("/api/me/tokens", { name: "script" });
    pats.add(created.body.token);
    const scriptOnA = bearerOn(a, created.body.token);
    const scriptOnB = bearerOn(b, created.body.token);
    expect((await token(scriptOnA)).status).toBe(200);
    const before = hits(b.hub, "personal_access_tokens");
    expect((await token(scriptOnB)).status).toBe(200);
    expect((await token(scriptOnB)).status).toBe(200);
    expect(hits(b.hub, "personal_access_tokens")).toBeGreaterThan(before);

    expect((await onA.delete(`/api/me/tokens/${created.body.id}`)).status).toBe(204);
    // The hub that revoked it refuses it with the very next request (no waiting for its own notification).
    expect((await token(scriptOnA)).status).toBe(401);
    await heardOnB();
    expect((await token(scriptOnB)).status).toBe(401);
  });

  it("a disabled user (their sessions and tokens deleted, user_changed published): refused everywhere", async () => {
    const user = await a.newUser("developer");
    const pat = (await user.post<{ token: string }>("/api/me/tokens", { name: "ci" })).body.token;
    pats.add(pat);
    const cookieOnB = withCookieOn(b, user);
    const patOnB = bearerOn(b, pat);
    expect((await cookieOnB.get<{ role: string }>("/api/me")).body.role).toBe("developer");
    expect((await patOnB.get<{ role: string }>("/api/me")).body.role).toBe("developer");
    const { id } = (await patOnB.get<{ id: string }>("/api/me")).body;

    // What disabling does in the database, on its own: B still answers from its caches...
    const db = a.hub.services.store.db;
    await db.deleteFrom("sessions").where("user_id", "=", id).execute();
    await db.deleteFrom("personal_access_tokens").where("user_id", "=", id).execute();
    await db.updateTable("users").set({ role: "user" }).where("id", "=", id).execute();
    expect((await patOnB.get("/api/me")).status).toBe(200);
    // ...until the change is published (issue 12's disable does both in one transaction).
    await inTransaction(db, (trx) => publishChange(trx, { kind: "user_changed", key: id }));
    await heardOnB();
    expect((await patOnB.get("/api/me")).status).toBe(401);
    expect((await cookieOnB.get("/api/me")).status).toBe(401);
  });

  it("a changed integration: the other hub applies the new assignment", async () => {
    const admin = await a.admin();
    expect((await token(onB)).status).toBe(200);
    const before = hits(b.hub, "integrations");
    expect((await token(onB)).status).toBe(200);
    expect(hits(b.hub, "integrations")).toBeGreaterThan(before);

    const patched = await admin.patch("/api/admin/integrations/bentley-itwin", { apps: ["acc-hubs"] });
    expect(patched.status, patched.text).toBe(200);
    await heardOnB();
    expect((await token(onB)).body).toMatchObject({ code: "integration_not_assigned" });
    expect(
      (await admin.patch("/api/admin/integrations/bentley-itwin", { apps: ["itwin-browser"] })).status,
    ).toBe(200);
    await heardOnB();
    expect((await token(onB)).status).toBe(200);
  });

  it("a refreshed connection: the other hub serves the new token", async () => {
    // A token issued a minute ago, so that a forced refresh renews it (a row change, published).
    const { store, integrations, accounts, tokens } = a.hub.services;
    const alice = (await accounts.findByEmail("alice@example.com"))!;
    const integration = (await integrations.get("bentley-itwin"))!;
    await inTransaction(store.db, async (trx) => {
      const row = await trx
        .updateTable("connections")
        .set({ connected_at: Date.now() - 60_000, last_refreshed_at: null })
        .where("user_id", "=", alice.id)
        .where("integration_id", "=", integration.id)
        .returning("id")
        .executeTakeFirstOrThrow();
      await publishChange(trx, { kind: "connection_changed", key: row.id });
    });
    await heardOnB();
    const held = (await token(onB)).body.accessToken;
    const before = hits(b.hub, "connection_tokens");
    expect((await token(onB)).body.accessToken).toBe(held);
    expect(hits(b.hub, "connection_tokens")).toBeGreaterThan(before);

    const refreshed = await tokens.forceRefreshUserToken(integration, alice.id);
    answered.add(refreshed.accessToken);
    expect(refreshed.accessToken).not.toBe(held);
    await heardOnB();
    expect((await token(onB)).body.accessToken).toBe(refreshed.accessToken);
  });

  it.runIf(database.dialect === "postgres")(
    "a dropped LISTEN connection: flushes, reads through while down (readyz degraded), recovers",
    async () => {
      const feed = b.hub.services.changeFeed!;
      const name = new URL(database.url).pathname.slice(1);
      const server = new pg.Client({ connectionString: inject("pgUrl")! });
      await server.connect();
      try {
        expect((await token(onB)).status).toBe(200);
        // Keep B's listener from coming back until told; its pool's open connections still work.
        await server.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        const lost = nextEvent(b.hub, (e) => e.type === "flush" && e.reason === "listener_lost");
        await server.query("select pg_terminate_backend($1)", [feed.listenerPid]);
        await lost;
        expect((await b.client().get("/readyz")).body).toEqual({ status: "degraded", changeFeed: "down" });

        // Down, B reads everything from the database: a revocation is refused at once, unheard.
        const created = await onA.post<{ id: string; token: string }>("/api/me/tokens", {
          name: "while-down",
        });
        pats.add(created.body.token);
        const scriptOnB = bearerOn(b, created.body.token);
        expect((await token(scriptOnB)).status).toBe(200);
        const bypassed = b.hub.services.caches.coherence
          .stats()
          .find((s) => s.name === "personal_access_tokens")!.lookups.bypassed;
        expect(bypassed).toBeGreaterThan(0);
        expect((await onA.delete(`/api/me/tokens/${created.body.id}`)).status).toBe(204);
        expect((await token(scriptOnB)).status).toBe(401);

        const restored = nextEvent(b.hub, (e) => e.type === "flush" && e.reason === "listener_restored");
        await server.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        await restored;
        expect((await b.client().get("/readyz")).body).toEqual({ status: "ready", changeFeed: "live" });
        const before = hits(b.hub, "connection_tokens");
        await token(onB);
        await token(onB);
        expect(hits(b.hub, "connection_tokens")).toBeGreaterThan(before);
        expect(feed.status().losses).toBe(1);
      } finally {
        await server.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
        await server.end();
      }
    },
  );

  it("a disconnect: the other hub asks the user to connect again", async () => {
    expect((await token(onB)).status).toBe(200);
    expect((await onA.delete("/api/me/connections/bentley-itwin")).status).toBe(204);
    await heardOnB();
    expect((await token(onB)).body).toMatchObject({ code: "login_required" });
  });

  it("nothing decrypted was logged or published: tokens leave the hubs in token answers only", async () => {
    const { keyRing } = a.hub.services;
    const db = a.hub.services.store.db;
    const secrets = new Set<string>([...answered, ...pats, "sandbox-web-secret", "sandbox-service-secret"]);
    // What the vault holds sealed, opened here to look for it: every access and refresh token still stored.
    const rows = await db
      .selectFrom("connections")
      .select(["id", "access_token_enc", "refresh_token_enc"])
      .execute();
    for (const row of rows) {
      secrets.add(keyRing.decrypt(row.access_token_enc, `connections:${row.id}:access_token`));
      if (row.refresh_token_enc)
        secrets.add(keyRing.decrypt(row.refresh_token_enc, `connections:${row.id}:refresh_token`));
    }
    expect(answered.size).toBeGreaterThan(1);
    const logs = [...a.logs, ...b.logs].join("\n");
    // The access log ran at debug level: every request above is in it.
    expect(logs).toContain(TOKEN_PATH);
    const published =
      database.dialect === "postgres"
        ? notified
        : (await db.selectFrom("change_feed").select(["kind", "key"]).execute()).map((r) =>
            JSON.stringify(r),
          );
    expect(published.length).toBeGreaterThan(3);
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      for (const payload of published) expect(payload).not.toContain(secret);
    }
    for (const payload of published) {
      if (payload.includes("barrier")) continue;
      expect(JSON.parse(payload)).toEqual({
        kind: expect.any(String),
        key: expect.stringMatching(/^[\w-]+$/),
      });
    }
  });
});
