import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FieldError } from "../../src/hub/http/problem.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";
import { expectProblem } from "../helpers/problems.ts";

interface IntegrationView {
  name: string;
  provider: string;
  apps: string[];
  grantType: string;
  authorizationUrl: string | null;
  tokenUrl: string;
  revocationUrl: string | null;
  issuer: string | null;
  clientId: string;
  clientSecretSet: boolean;
  scopes: string[];
  tokenEndpointAuthMethod: string;
  pkce: boolean;
  redirectUri: string;
}

/** What a `validation_failed` problem adds: one complaint a field. */
type ValidationProblem = { errors?: FieldError[] };

const SECRET = "s3cr3t-plaintext-that-must-never-show-7f1e";
const NEW_SECRET = "an0ther-plaintext-secret-9c2d";

forEachDatabase("admin integrations API", (_getStore, database) => {
  let t: TestHub;
  let admin: HubClient;
  beforeAll(async () => {
    t = await startTestHub({ store: database.store, emulators: false });
    admin = await t.admin();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function rawDatabaseText(): Promise<string> {
    if (database.dialect === "sqlite")
      return readFileSync(database.url.slice("sqlite:".length)).toString("latin1");
    const tables = [
      "integrations",
      "connections",
      "service_tokens",
      "oauth_states",
      "users",
      "sessions",
    ] as const;
    const dumps = await Promise.all(
      tables.map((table) => database.store.db.selectFrom(table).selectAll().execute()),
    );
    return JSON.stringify(dumps);
  }

  it("lists the presets", async () => {
    const res =
      await admin.get<{ id: string; defaults: { tokenUrl: string }; scopeCatalog: unknown[] }[]>(
        "/api/admin/providers",
      );
    expect(res.status).toBe(200);
    expect(res.body.map((p) => p.id)).toEqual(
      expect.arrayContaining(["generic", "bentley-itwin", "autodesk-aps", "seequent-evo"]),
    );
    const bentley = res.body.find((p) => p.id === "bentley-itwin")!;
    expect(bentley.defaults.tokenUrl).toBe("https://ims.bentley.com/connect/token");
    expect(bentley.scopeCatalog.length).toBeGreaterThan(0);
  });

  it("creates an integration from a preset; the secret is write-only and never stored in plaintext", async () => {
    const res = await admin.post<IntegrationView>("/api/admin/integrations", {
      name: "viktor-itwin-integration",
      provider: "bentley-itwin",
      apps: ["itwin-browser"],
      clientId: "my-client",
      clientSecret: SECRET,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: "viktor-itwin-integration",
      provider: "bentley-itwin",
      grantType: "authorization_code",
      authorizationUrl: "https://ims.bentley.com/connect/authorize",
      tokenUrl: "https://ims.bentley.com/connect/token",
      revocationUrl: "https://ims.bentley.com/connect/revocation",
      issuer: "https://ims.bentley.com",
      scopes: ["itwin-platform", "offline_access"],
      tokenEndpointAuthMethod: "client_secret_basic",
      pkce: true,
      clientSecretSet: true,
      redirectUri: `${t.url}/api/integrations/oauth2/callback/`,
    });
    expect(res.text).not.toContain(SECRET);
    expect(res.body).not.toHaveProperty("clientSecret");

    const one = await admin.get<IntegrationView>("/api/admin/integrations/viktor-itwin-integration");
    expect(one.body.clientSecretSet).toBe(true);
    expect(one.body.redirectUri).toBe(`${t.url}/api/integrations/oauth2/callback/`);
    const list = await admin.get<IntegrationView[]>("/api/admin/integrations");
    expect(list.body.map((i) => i.name)).toContain("viktor-itwin-integration");
    for (const read of [one, list]) expect(read.text).not.toContain(SECRET);
    expect(await rawDatabaseText()).not.toContain(SECRET);
    expect(t.logs.join("\n")).not.toContain(SECRET);
    // The vault still has it, for the token endpoint.
    expect((await t.hub.services.integrations.get("viktor-itwin-integration"))?.clientSecret).toBe(SECRET);
  });

  it("lets the admin override any preset default", async () => {
    const res = await admin.post<IntegrationView>("/api/admin/integrations", {
      name: "custom_evo",
      provider: "seequent-evo",
      apps: ["*"],
      clientId: "evo-client",
      clientSecret: SECRET,
      scopes: ["evo.discovery", "evo.workspace", "evo.object"],
      tokenEndpointAuthMethod: "client_secret_post",
      issuer: "https://ims.example.test",
      revocationUrl: null,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      scopes: ["evo.discovery", "evo.workspace", "evo.object"],
      tokenEndpointAuthMethod: "client_secret_post",
      issuer: "https://ims.example.test",
      revocationUrl: null,
      apps: ["*"],
    });
  });

  it("PATCH changes only what is sent; a new secret replaces the old, leaving it out keeps it", async () => {
    const res = await admin.patch<IntegrationView>("/api/admin/integrations/viktor-itwin-integration", {
      description: "Now with a description",
      apps: ["itwin-browser", "other-app"],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      description: "Now with a description",
      apps: ["itwin-browser", "other-app"],
      clientId: "my-client",
      clientSecretSet: true,
    });
    expect((await t.hub.services.integrations.get("viktor-itwin-integration"))?.clientSecret).toBe(SECRET);

    const replaced = await admin.patch<IntegrationView>("/api/admin/integrations/viktor-itwin-integration", {
      clientSecret: NEW_SECRET,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.text).not.toContain(NEW_SECRET);
    expect((await t.hub.services.integrations.get("viktor-itwin-integration"))?.clientSecret).toBe(
      NEW_SECRET,
    );
    expect(await rawDatabaseText()).not.toContain(NEW_SECRET);

    // Clearing the secret of a client_secret_basic integration cannot work: refused, nothing changed.
    const cleared = await admin.patch("/api/admin/integrations/viktor-itwin-integration", {
      clientSecret: null,
    });
    expect(
      expectProblem<ValidationProblem>(cleared, 400, "validation_failed").errors?.map((e) => e.field),
    ).toContain("/clientSecret");
    expect((await t.hub.services.integrations.get("viktor-itwin-integration"))?.clientSecret).toBe(
      NEW_SECRET,
    );
  });

  it("moving an endpoint to another origin needs the client secret again in the same request, and is audited", async () => {
    const name = "viktor-itwin-integration";
    const before = (await t.hub.services.integrations.get(name))!;
    // Another host, another port, another scheme: each would carry the secret and refresh tokens elsewhere.
    for (const patch of [
      { tokenUrl: "https://evil.example/connect/token" },
      { tokenUrl: "https://ims.bentley.com:8443/connect/token" },
      { revocationUrl: "https://evil.example/revoke" },
      { introspectionUrl: "https://evil.example/introspect" },
      { authorizationUrl: "https://evil.example/authorize" },
    ]) {
      const refused = expectProblem(
        await admin.patch(`/api/admin/integrations/${name}`, patch),
        400,
        "client_secret_required",
      );
      expect(refused).toMatchObject({ fields: Object.keys(patch) });
      expect(await t.hub.services.integrations.get(name)).toEqual(before);
    }
    // Another path on the same origin is not a move.
    const samePlace = await admin.patch<IntegrationView>(`/api/admin/integrations/${name}`, {
      tokenUrl: "https://ims.bentley.com/connect/token?v=2",
    });
    expect(samePlace.status, samePlace.text).toBe(200);
    // With the secret typed again, the move goes through and the audit trail names what moved where.
    const moved = await admin.patch<IntegrationView>(`/api/admin/integrations/${name}`, {
      tokenUrl: "https://ims.example.org/connect/token",
      clientSecret: NEW_SECRET,
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.tokenUrl).toBe("https://ims.example.org/connect/token");
    const audit = await admin.get<{ events: { action: string; details: Record<string, unknown> }[] }>(
      "/api/admin/audit?action=integration",
    );
    const originChange = audit.body.events.find((e) => e.action === "integration.origin_changed");
    expect(originChange?.details.changes).toEqual([
      { field: "tokenUrl", from: "https://ims.bentley.com", to: "https://ims.example.org" },
    ]);
    const updated = audit.body.events.find((e) => e.action === "integration.updated");
    expect(updated?.details).toMatchObject({
      fields: ["tokenUrl", "clientSecret"],
      clientSecret: "replaced",
    });
    expect(audit.text).not.toContain(NEW_SECRET);
    await admin.patch(`/api/admin/integrations/${name}`, {
      tokenUrl: before.tokenUrl,
      clientSecret: NEW_SECRET,
    });
  });

  it("refuses bad input with field-level problem details and stores nothing", async () => {
    const before = (await t.hub.services.integrations.list()).length;
    const base = { provider: "bentley-itwin", clientId: "c", clientSecret: "s" };
    const cases: [unknown, string][] = [
      [{ ...base, name: "Has Capitals" }, "/name"],
      [{ ...base, name: "ünïcödé" }, "/name"],
      [{ ...base, name: "emoji-😀" }, "/name"],
      [{ ...base, name: "x".repeat(65) }, "/name"],
      [{ ...base, name: "" }, "/name"],
      [{ ...base, name: "ok-name", provider: "github" }, "/provider"],
      [{ ...base, name: "ok-name", scopes: "itwin-platform" }, "/scopes"],
      [{ ...base, name: "ok-name", scopes: ["two words"] }, "/scopes/0"],
      [{ ...base, name: "ok-name", tokenUrl: "ftp://example.com/token" }, "/tokenUrl"],
      [{ ...base, name: "ok-name", tokenUrl: "not a url" }, "/tokenUrl"],
      [{ ...base, name: "ok-name", apps: ["Bad App"] }, "/apps/0"],
      [{ ...base, name: "ok-name", pkce: "yes" }, "/pkce"],
      [{ ...base, name: "ok-name", clientSecretSet: true }, "/clientSecretSet"],
      [{ ...base, name: "ok-name", grantType: "password" }, "/grantType"],
      [{ name: "ok-name", provider: "bentley-itwin", clientId: "c" }, "/clientSecret"],
      [{ name: "ok-name", provider: "generic", clientId: "c", clientSecret: "s" }, "/tokenUrl"],
      [{ ...base, name: "ok-name", clientId: 7 }, "/clientId"],
    ];
    for (const [body, field] of cases) {
      const res = await admin.post("/api/admin/integrations", body);
      const problem = expectProblem<ValidationProblem>(res, 400, "validation_failed");
      expect(
        problem.errors?.map((e) => e.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    expectProblem(
      await admin.request("POST", "/api/admin/integrations", { raw: "{not json" }),
      400,
      "invalid_json",
    );
    expectProblem(await admin.request("POST", "/api/admin/integrations", { raw: "" }), 400, "invalid_json");
    expectProblem(
      await admin.post("/api/admin/integrations", { ...base, name: "big", description: "x".repeat(70_000) }),
      413,
      "payload_too_large",
    );
    expectProblem(
      await admin.patch("/api/admin/integrations/viktor-itwin-integration", { tokenUrl: 5 }),
      400,
      "validation_failed",
    );
    expectProblem(
      await admin.patch("/api/admin/integrations/viktor-itwin-integration", { secret: "x" }),
      400,
      "validation_failed",
    );
    expect((await t.hub.services.integrations.list()).length).toBe(before);
    expect((await t.hub.services.integrations.get("viktor-itwin-integration"))?.tokenUrl).toBe(
      "https://ims.bentley.com/connect/token",
    );
  });

  it("answers a duplicate name with 409 and unknown names with 404", async () => {
    const dup = await admin.post("/api/admin/integrations", {
      name: "viktor-itwin-integration",
      provider: "bentley-itwin",
      clientId: "c",
      clientSecret: "s",
    });
    expectProblem(dup, 409, "integration_exists");
    expectProblem(await admin.get("/api/admin/integrations/nope"), 404, "integration_not_found");
    expectProblem(
      await admin.patch("/api/admin/integrations/nope", { description: "x" }),
      404,
      "integration_not_found",
    );
    expectProblem(await admin.delete("/api/admin/integrations/nope"), 404, "integration_not_found");
  });

  it("is for admins only", async () => {
    const alice = await t.signIn("alice@example.com");
    for (const res of [
      await alice.get("/api/admin/integrations"),
      await alice.get("/api/admin/providers"),
      await alice.post("/api/admin/integrations", { name: "x" }),
      await alice.delete("/api/admin/integrations/custom_evo"),
    ]) {
      expectProblem(res, 403, "forbidden");
    }
    expectProblem(await t.client().get("/api/admin/integrations"), 401, "unauthenticated");
    const script = t.client();
    const pat = await alice.post<{ token: string }>("/api/me/tokens", { name: "x" });
    script.bearer = pat.body.token;
    // Her token has no admin scope (and as a developer she could not have given it one).
    expectProblem(await script.get("/api/admin/integrations"), 403, "insufficient_scope");
    expectProblem(await alice.post("/api/me/tokens", { name: "y", scopes: ["admin"] }), 403, "forbidden");
  });

  it("deletes an integration", async () => {
    expect((await admin.delete("/api/admin/integrations/custom_evo")).status).toBe(204);
    expectProblem(await admin.get("/api/admin/integrations/custom_evo"), 404, "integration_not_found");
  });

  it("documents the integration routes in the OpenAPI description", async () => {
    const doc = await t.client().get<{ paths: Record<string, Record<string, unknown>> }>("/api/openapi.json");
    expect(doc.body.paths["/api/admin/integrations"]).toHaveProperty("post");
    expect(doc.body.paths["/api/admin/integrations/{name}"]).toHaveProperty("patch");
  });
});
