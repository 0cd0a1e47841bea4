// The audit trail end to end (issue 12): every kind of event the hub records is written and readable through
// GET /api/admin/audit, with its filters and cursor paging; no route edits or deletes an event; token
// issuance is one counted row per minute, app, integration and user; retention prunes. (keys.rotated and the
// CLI's own events: test/cli/audit.test.ts; user.identity_linked and OIDC sign-ins: test/hub-oidc*.test.ts.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { TEST_ADMIN, startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";

interface Event {
  id: string;
  at: string;
  action: string;
  actor: { type: string; id: string | null; name: string | null };
  target: { type: string; id: string | null; name: string | null } | null;
  details: Record<string, unknown>;
  count: number;
}
interface Page {
  events: Event[];
  next: string | null;
}

forEachDatabase("the audit trail", (_getStore, database) => {
  let t: TestHub;
  let admin: HubClient;
  beforeAll(async () => {
    t = await startTestHub({ store: database.store });
    admin = await t.admin();
  });
  afterAll(async () => {
    await t?.close();
  });

  const events = async (query: string): Promise<Event[]> => {
    const res = await admin.get<Page>(`/api/admin/audit?${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body.events;
  };

  it("records sign-ins, users, tokens, integrations and connections, each readable by action", async () => {
    // Sign-ins: a failure, a success, a sign-out.
    expect(
      (await t.client().post("/api/auth/login", { email: "alice@example.com", password: "nope-nope" }))
        .status,
    ).toBe(401);
    const alice = await t.signIn("alice@example.com");
    const bob = await t.signIn("bob@example.com");
    await bob.post("/api/auth/logout");
    // Users.
    const created = await admin.post<{ id: string }>("/api/admin/users", {
      email: "dora@example.com",
      password: "dora-password",
      role: "user",
    });
    await admin.patch(`/api/admin/users/${created.body.id}`, { role: "developer" });
    await admin.patch(`/api/admin/users/${created.body.id}`, { disabled: true });
    await admin.patch(`/api/admin/users/${created.body.id}`, { disabled: false });
    await admin.post(`/api/admin/users/${created.body.id}/password`, {});
    await admin.delete(`/api/admin/users/${created.body.id}`);
    // Personal access tokens, and the use of a revoked one.
    const pat = await alice.post<{ id: string; token: string }>("/api/me/tokens", { name: "ci" });
    await alice.delete(`/api/me/tokens/${pat.body.id}`);
    const script = t.client();
    script.bearer = pat.body.token;
    expect((await script.get("/api/me")).status).toBe(401);
    // Integrations.
    const integration = await admin.post("/api/admin/integrations", {
      name: "audit-itwin",
      provider: "bentley-itwin",
      clientId: "audit-client",
      clientSecret: "audit-secret-value",
    });
    expect(integration.status, integration.text).toBe(201);
    await admin.patch("/api/admin/integrations/audit-itwin", {
      description: "Audited",
      clientSecret: "new-secret-value",
    });
    await admin.delete("/api/admin/integrations/audit-itwin");
    // A connection, a token handed out, a disconnect.
    expect(
      (await t.connect(alice, "bentley-itwin", "alice@example.com", { app: "itwin-browser" })).status,
    ).toBe(302);
    for (let i = 0; i < 3; i++) {
      expect((await alice.get("/api/apps/itwin-browser/integrations/bentley-itwin/token")).status).toBe(200);
    }
    expect((await alice.delete("/api/me/connections/bentley-itwin")).status).toBe(204);

    const expected: [string, (e: Event) => boolean][] = [
      [
        "auth.sign_in_failed",
        (e) => e.actor.name === "alice@example.com" && e.details.reason === "invalid_credentials",
      ],
      ["auth.signed_in", (e) => e.actor.name === "alice@example.com" && e.details.method === "password"],
      ["auth.signed_out", (e) => e.actor.name === "bob@example.com"],
      ["user.created", (e) => e.target?.name === "dora@example.com" && e.actor.name === TEST_ADMIN.email],
      ["user.role_changed", (e) => e.target?.name === "dora@example.com" && e.details.to === "developer"],
      ["user.disabled", (e) => e.target?.name === "dora@example.com"],
      ["user.enabled", (e) => e.target?.name === "dora@example.com"],
      ["user.password_reset", (e) => e.target?.name === "dora@example.com"],
      ["user.deleted", (e) => e.target?.name === "dora@example.com"],
      ["pat.created", (e) => e.target?.name === "ci" && e.actor.name === "alice@example.com"],
      ["pat.revoked", (e) => e.target?.name === "ci"],
      ["pat.revoked_used", (e) => e.target?.id === pat.body.id],
      ["integration.created", (e) => e.target?.name === "audit-itwin"],
      ["integration.updated", (e) => e.target?.name === "audit-itwin"],
      ["integration.deleted", (e) => e.target?.name === "audit-itwin"],
      ["connection.connected", (e) => e.actor.name === "alice@example.com"],
      ["connection.disconnected", (e) => e.actor.name === "alice@example.com"],
    ];
    for (const [action, matches] of expected) {
      const found = await events(`action=${action}&limit=500`);
      expect(found.every((e) => e.action === action)).toBe(true);
      expect(found.some(matches), `${action}: ${JSON.stringify(found)}`).toBe(true);
    }
    // Secrets never reach the trail.
    const all = JSON.stringify(await events("limit=500"));
    for (const secret of [
      "audit-secret-value",
      "new-secret-value",
      pat.body.token,
      "nope-nope",
      "dora-password",
    ]) {
      expect(all).not.toContain(secret);
    }
    // Issuance is counted, one row per minute, app, integration and user (flushed within a second).
    await expect
      .poll(async () => (await events("action=token.issued")).reduce((n, e) => n + e.count, 0), {
        timeout: 10_000,
      })
      .toBe(3);
    const issued = await events("action=token.issued");
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ actor: { name: "alice@example.com" }, count: 3 });
    expect(issued[0]).toMatchObject({
      target: { type: "integration", name: "bentley-itwin" },
      details: { app: "itwin-browser" },
    });
  });

  it("filters by family, actor and time, and pages with a cursor", async () => {
    const family = await events("action=user&limit=500");
    expect(family.length).toBeGreaterThanOrEqual(6);
    expect(family.every((e) => e.action.startsWith("user."))).toBe(true);
    const byActor = await events("actor=bob@example.com&limit=500");
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((e) => e.actor.name === "bob@example.com")).toBe(true);
    expect(await events(`since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect((await events(`before=${Date.now() + 60_000}&limit=500`)).length).toBeGreaterThan(10);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: Page } = await admin.get<Page>(
        `/api/admin/audit?limit=4${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.body.events.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.events.map((e) => e.id));
      cursor = res.body.next;
    } while (cursor);
    const everything = (await events("limit=500")).map((e) => e.id);
    expect(seen).toEqual(everything);
    expect(new Set(seen).size).toBe(seen.length);

    for (const bad of ["action=DROP%20TABLE", "since=yesterday", "limit=0", "cursor=abc", "color=red"]) {
      expect((await admin.get(`/api/admin/audit?${bad}`)).status, bad).toBe(400);
    }
  });

  it("is read only and for admins only", async () => {
    const [latest] = await events("limit=1");
    for (const method of ["DELETE", "PATCH", "PUT", "POST"]) {
      const res = await admin.fetch(method, "/api/admin/audit", { body: {} });
      expect([404, 405], `${method}`).toContain(res.status);
      const one = await admin.fetch(method, `/api/admin/audit/${latest!.id}`, { body: {} });
      expect([404, 405], `${method} one`).toContain(one.status);
    }
    expect((await events("limit=1"))[0]!.id).toBe(latest!.id);
    const alice = await t.signIn("alice@example.com");
    expect((await alice.get("/api/admin/audit")).status).toBe(403);
  });

  it("prunes only by retention", async () => {
    const before = (await events("limit=500")).length;
    expect(await t.hub.services.audit.prune(365 * 86_400_000)).toBe(0);
    expect((await events("limit=500")).length).toBeGreaterThanOrEqual(before);
    await t.hub.services.audit.prune(-60_000);
    expect(await events("limit=500")).toEqual([]);
  });
});
