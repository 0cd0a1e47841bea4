// Issue 12's user lifecycle and personal access tokens on two hubs sharing one database (SQLite and
// PostgreSQL): disabling a user ends their session and tokens on both, enabling restores neither; a token
// cannot mint one; expiry, scopes and app limits answer 401/403 with their codes; the last admin is kept;
// deleting a user removes what was theirs; an admin lists and revokes anyone's tokens.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { HubClient, TEST_ADMIN, startTestHub, type TestHub } from "../helpers/hub.ts";
import { useTestHub } from "../helpers/suiteHub.ts";

interface Problem {
  code?: string;
  requiredScope?: string;
}
interface Created {
  id: string;
  token: string;
  expiresAt: string;
  scopes: string[];
  apps: string[] | null;
}

const DAY_MS = 86_400_000;

forEachDatabase("users and personal access tokens on two hubs", (_getStore, database) => {
  let clock = Date.now();
  let a: TestHub;
  let b: TestHub;
  beforeAll(async () => {
    a = await startTestHub({ store: database.store, emulators: false, deps: { now: () => clock } });
    b = await startTestHub({
      store: await database.open(),
      emulators: false,
      deps: { keyRing: a.hub.services.keyRing, now: () => clock },
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** The same browser session, sent to hub B. */
  function onB(client: HubClient): HubClient {
    const other = new HubClient(b.url);
    other.jar.set("gatehouse_session", client.jar.get("gatehouse_session")!);
    return other;
  }
  const bearer = (hub: TestHub, token: string): HubClient => Object.assign(hub.client(), { bearer: token });

  it("disabling a user ends their session and tokens on both hubs; enabling restores neither", async () => {
    const user = await a.newUser("developer");
    const me = await user.get<{ id: string }>("/api/me");
    const pat = await user.post<Created>("/api/me/tokens", { name: "laptop" });
    expect(pat.status).toBe(201);
    const sessionOnB = onB(user);
    expect((await sessionOnB.get("/api/me")).status).toBe(200);
    expect((await bearer(b, pat.body.token).get("/api/me")).status).toBe(200);

    const admin = await b.admin();
    const disabled = await admin.patch<{ disabled: boolean }>(`/api/admin/users/${me.body.id}`, {
      disabled: true,
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    // Hub A hears the change through the change feed (its caches held this user's session and token).
    await a.hub.services.changeFeed?.caughtUp();
    for (const hub of [a, b]) {
      expect((await bearer(hub, pat.body.token).get<Problem>("/api/me")).body.code).toBe("token_revoked");
    }
    expect((await user.get("/api/me")).status).toBe(401);
    expect((await sessionOnB.get("/api/me")).status).toBe(401);
    // Nor can they sign in again while disabled.
    const again = await a
      .client()
      .post<Problem>("/api/auth/login", { email: user.email, password: "sandbox" });
    expect(again.status).toBe(403);
    expect(again.body.code).toBe("account_disabled");

    expect((await admin.patch(`/api/admin/users/${me.body.id}`, { disabled: false })).status).toBe(200);
    expect((await user.get("/api/me")).status).toBe(401);
    expect((await bearer(a, pat.body.token).get("/api/me")).status).toBe(401);
    expect(
      (await a.client().post("/api/auth/login", { email: user.email, password: "sandbox" })).status,
    ).toBe(204);
  });

  it("a token cannot create, list or delete tokens (session_only)", async () => {
    const user = await a.newUser();
    const pat = await user.post<Created>("/api/me/tokens", { name: "script" });
    const script = bearer(a, pat.body.token);
    for (const [method, path] of [
      ["POST", "/api/me/tokens"],
      ["GET", "/api/me/tokens"],
      ["DELETE", `/api/me/tokens/${pat.body.id}`],
    ] as const) {
      const res = await script.fetch(method, path, method === "POST" ? { body: { name: "child" } } : {});
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(((await res.json()) as Problem).code).toBe("session_only");
    }
    expect((await user.get<unknown[]>("/api/me/tokens")).body).toHaveLength(1);
  });

  it("expires tokens: 90 days unless told, at most 365, then 401 token_expired", async () => {
    const user = await a.newUser();
    const standard = await user.post<Created>("/api/me/tokens", { name: "default" });
    expect(Date.parse(standard.body.expiresAt) - clock).toBe(90 * DAY_MS);
    expect(standard.body.scopes).toEqual(["tokens:read", "apps:run"]);
    expect(standard.body.apps).toBeNull();
    const tooLong = await user.post<Problem>("/api/me/tokens", { name: "forever", expiresInDays: 366 });
    expect(tooLong.status).toBe(400);
    const short = await user.post<Created>("/api/me/tokens", { name: "short", expiresInDays: 1 });
    expect((await bearer(b, short.body.token).get("/api/me")).status).toBe(200);
    clock += DAY_MS + 1000;
    try {
      for (const hub of [a, b]) {
        const res = await bearer(hub, short.body.token).get<Problem>("/api/me");
        expect(res.status).toBe(401);
        expect(res.body.code).toBe("token_expired");
      }
      expect((await bearer(a, standard.body.token).get("/api/me")).status).toBe(200);
      // (The day also outlived the old session: a new sign-in lists the tokens.)
      const later = await a.signIn(user.email);
      const listed = await later.get<{ name: string; expired: boolean }[]>("/api/me/tokens");
      expect(listed.body.find((t) => t.name === "short")?.expired).toBe(true);
    } finally {
      clock -= DAY_MS + 1000;
    }
  });

  it("keeps a token to its scopes and apps: 403 insufficient_scope outside them", async () => {
    const user = await a.newUser("developer");
    const runOnly = await user.post<Created>("/api/me/tokens", { name: "views", scopes: ["apps:run"] });
    const views = bearer(a, runOnly.body.token);
    expect((await views.get("/api/me")).status).toBe(200);
    expect((await views.get("/api/apps")).status).toBe(200);
    const connections = await views.get<Problem>("/api/me/connections");
    expect(connections.status).toBe(403);
    expect(connections.body).toMatchObject({ code: "insufficient_scope", requiredScope: "tokens:read" });

    const oneApp = await user.post<Created>("/api/me/tokens", {
      name: "one app",
      scopes: ["tokens:read"],
      apps: ["itwin-browser"],
    });
    const limited = bearer(a, oneApp.body.token);
    const other = await limited.get<Problem>("/api/apps/acc-hubs/integrations/autodesk-aps/token");
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("insufficient_scope");
    const admin = await limited.get<Problem>("/api/admin/users");
    expect(admin.status).toBe(403);
    expect(admin.body).toMatchObject({ code: "insufficient_scope", requiredScope: "admin" });

    // Only admins may have the admin scope; an admin's token with it reaches the admin API.
    const refused = await user.post<Problem>("/api/me/tokens", { name: "x", scopes: ["admin"] });
    expect(refused.status).toBe(403);
    const root = await a.admin();
    const adminPat = await root.post<Created>("/api/me/tokens", { name: "ops", scopes: ["admin"] });
    expect((await bearer(b, adminPat.body.token).get("/api/admin/users")).status).toBe(200);
  });

  it("never leaves the hub without an admin", async () => {
    const root = await a.admin();
    const users =
      await root.get<{ id: string; email: string; role: string; disabled: boolean }[]>("/api/admin/users");
    const admins = users.body.filter((u) => u.role === "admin" && !u.disabled);
    expect(admins.map((u) => u.email)).toEqual([TEST_ADMIN.email]);
    const self = admins[0]!;
    for (const [method, body] of [
      ["PATCH", { role: "developer" }],
      ["PATCH", { disabled: true }],
      ["DELETE", undefined],
    ] as const) {
      const res = await root.fetch(method, `/api/admin/users/${self.id}`, body ? { body } : {});
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(409);
      expect(((await res.json()) as Problem).code).toBe("last_admin");
    }
    // With a second admin, the first may step down.
    const second = await a.newUser("admin");
    const secondId = (await second.get<{ id: string }>("/api/me")).body.id;
    expect((await root.patch(`/api/admin/users/${self.id}`, { role: "developer" })).status).toBe(200);
    expect((await root.get("/api/admin/users")).status).toBe(403);
    const back = await second.patch(`/api/admin/users/${self.id}`, { role: "admin" });
    expect(back.status).toBe(200);
    expect((await second.delete(`/api/admin/users/${secondId}`)).status).toBe(204);
  });

  it("deletes a user with their sessions and tokens, and lets an admin revoke anyone's token", async () => {
    const root = await a.admin();
    const user = await a.newUser();
    const id = (await user.get<{ id: string }>("/api/me")).body.id;
    const one = await user.post<Created>("/api/me/tokens", { name: "one" });
    const two = await user.post<Created>("/api/me/tokens", { name: "two" });
    const listed = await root.get<{ id: string; name: string; lastUsedAt: string | null }[]>(
      `/api/admin/users/${id}/tokens`,
    );
    expect(listed.body.map((t) => t.name)).toEqual(["one", "two"]);
    expect(JSON.stringify(listed.body)).not.toContain(one.body.token);
    expect((await root.delete(`/api/admin/users/${id}/tokens/${one.body.id}`)).status).toBe(204);
    expect((await bearer(b, one.body.token).get<Problem>("/api/me")).body.code).toBe("token_revoked");
    expect((await bearer(b, two.body.token).get("/api/me")).status).toBe(200);
    expect((await root.delete(`/api/admin/users/${id}/tokens/${one.body.id}`)).status).toBe(404);

    expect((await root.delete(`/api/admin/users/${id}`)).status).toBe(204);
    expect((await user.get("/api/me")).status).toBe(401);
    // Hub B held token two in its cache since it answered it above: it drops it when its feed hears the delete.
    await b.hub.services.changeFeed?.caughtUp();
    expect((await bearer(b, two.body.token).get("/api/me")).status).toBe(401);
    expect((await root.get(`/api/admin/users/${id}/tokens`)).status).toBe(404);
    expect((await root.delete(`/api/admin/users/${id}`)).status).toBe(404);
    const left = await database.store.db
      .selectFrom("personal_access_tokens")
      .select("id")
      .where("user_id", "=", id)
      .execute();
    expect(left).toEqual([]);
  });

  it("resets a local user's password and ends their sessions", async () => {
    const root = await a.admin();
    const user = await a.newUser();
    const id = (await user.get<{ id: string }>("/api/me")).body.id;
    const reset = await root.post<{ password: string }>(`/api/admin/users/${id}/password`, {});
    expect(reset.status).toBe(200);
    expect(reset.body.password.length).toBeGreaterThanOrEqual(16);
    expect((await onB(user).get("/api/me")).status).toBe(401);
    expect(
      (await b.client().post("/api/auth/login", { email: user.email, password: "sandbox" })).status,
    ).toBe(401);
    expect(
      (await b.client().post("/api/auth/login", { email: user.email, password: reset.body.password })).status,
    ).toBe(204);
  });
});

describe("users: the admin API is for admins", () => {
  const t = useTestHub({ emulators: false });

  it("refuses a non-admin every lifecycle route", async () => {
    const user = await t().newUser("developer");
    const id = (await user.get<{ id: string }>("/api/me")).body.id;
    for (const [method, path] of [
      ["GET", "/api/admin/users"],
      ["PATCH", `/api/admin/users/${id}`],
      ["DELETE", `/api/admin/users/${id}`],
      ["POST", `/api/admin/users/${id}/password`],
      ["GET", `/api/admin/users/${id}/tokens`],
    ] as const) {
      const res = await user.fetch(
        method,
        path,
        method === "PATCH" ? { body: { role: "admin" } } : method === "POST" ? { body: {} } : {},
      );
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await user.get<{ role: string }>("/api/me")).body.role).toBe("developer");
  });
});
