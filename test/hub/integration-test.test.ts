import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";
import { startStubServer, type StubServer } from "../helpers/oauthStubServer.ts";

interface Check {
  id: string;
  title: string;
  status: "passed" | "warning" | "failed" | "skipped";
  message: string;
  url: string | null;
}
interface Report {
  integration: string;
  ok: boolean;
  checks: Check[];
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SECRET = "test-button-secret-4d1f9a";

// The Test button on an integration: what can be checked without a user, against the real emulators for the
// working cases and for what they can be made to do wrong, and a stub for answers no emulator gives.
describe("POST /api/admin/integrations/{name}/test", () => {
  let t: TestHub;
  let admin: HubClient;
  // A real server: the hub's checks go over the wire, as they would to a provider.
  let stub: StubServer;
  beforeAll(async () => {
    stub = await startStubServer();
    t = await startTestHub();
    admin = await t.admin();
  });
  afterAll(async () => {
    await t?.close();
    await stub?.close();
  });
  afterEach(() => {
    t.emulators!.bentley.knobs.reset();
  });

  const test = (name: string) => admin.post<Report>(`/api/admin/integrations/${name}/test`);
  const check = (report: Report, id: string) => report.checks.find((c) => c.id === id)!;

  async function createGeneric(name: string, fields: Record<string, unknown>): Promise<void> {
    const res = await admin.post("/api/admin/integrations", {
      name,
      provider: "generic",
      clientId: "sandbox-web",
      clientSecret: SECRET,
      authorizationUrl: `${t.emulators!.bentley.url}/connect/authorize`,
      tokenUrl: `${t.emulators!.bentley.url}/connect/token`,
      scopes: ["itwin-platform"],
      ...fields,
    });
    expect(res.status, res.text).toBe(201);
  }

  it("passes every check of a working user integration", async () => {
    const res = await test("bentley-itwin");
    expect(res.status, res.text).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.checks.map((c) => [c.id, c.status])).toEqual([
      ["discovery", "passed"],
      ["authorization_endpoint", "passed"],
      ["token_endpoint", "passed"],
    ]);
    expect(check(res.body, "discovery").url).toBe(
      `${t.emulators!.bentley.url}/.well-known/openid-configuration`,
    );
    expect(check(res.body, "token_endpoint").message).toContain("accepted the client credentials");
  });

  it("obtains a service token with client credentials, shows none of it, and revokes it", async () => {
    t.emulators!.bentley.resetStats();
    const res = await test("bentley-itwin-service");
    expect(res.body.ok, res.text).toBe(true);
    expect(res.body.checks.map((c) => [c.id, c.status])).toEqual([
      ["discovery", "passed"],
      ["client_credentials", "passed"],
    ]);
    expect(check(res.body, "client_credentials").message).toMatch(
      /Obtained a Bearer token valid for 60 minutes \(scopes: itwin-platform\)/,
    );
    expect(res.text).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // no JWT anywhere
    const stats = t.emulators!.bentley.stats();
    expect(stats.token.client_credentials.ok).toBe(1);
    expect(stats.revocation).toBe(1);
    // Nothing stored: the service integration's own token was never fetched.
    const stored = await t.hub.services.store.db.selectFrom("service_tokens").selectAll().execute();
    expect(stored).toEqual([]);
  });

  it("says the client was refused when the secret is wrong (user and service integrations)", async () => {
    await createGeneric("wrong-secret", { clientSecret: "not-the-secret" });
    const user = await test("wrong-secret");
    expect(user.body.ok).toBe(false);
    expect(check(user.body, "token_endpoint")).toMatchObject({ status: "failed" });
    expect(check(user.body, "token_endpoint").message).toMatch(/refused the client \(invalid_client/);
    expect(check(user.body, "discovery").status).toBe("skipped");

    await createGeneric("wrong-service-secret", {
      grantType: "client_credentials",
      clientId: "sandbox-service",
      clientSecret: "not-the-secret",
    });
    const service = await test("wrong-service-secret");
    expect(check(service.body, "client_credentials").message).toMatch(/refused the client \(invalid_client/);
  });

  it("names both issuers and the field when the issuer is not spelled as the server spells it", async () => {
    // A trailing slash is enough: issuers compare as exact strings, so every sign-in would be refused.
    const bentley = t.emulators!.bentley.url;
    await createGeneric("wrong-issuer", { clientSecret: "sandbox-web-secret", issuer: `${bentley}/` });
    const res = await test("wrong-issuer");
    const discovery = check(res.body, "discovery");
    expect(discovery.status).toBe("failed");
    expect(discovery.message).toContain(`its issuer is ${bentley}, but this integration expects ${bentley}/`);
    expect(discovery.message).toContain("Issuer under Advanced settings");
    expect(res.body.ok).toBe(false);
    // The endpoints themselves are fine.
    expect(check(res.body, "token_endpoint").status).toBe("passed");
  });

  it("warns when the issuer's discovery names another token endpoint than the integration's", async () => {
    await createGeneric("other-server-issuer", {
      clientSecret: "sandbox-web-secret",
      issuer: t.emulators!.autodesk.url,
    });
    const res = await test("other-server-issuer");
    const discovery = check(res.body, "discovery");
    expect(discovery.status).toBe("warning");
    expect(discovery.message).toContain(`${t.emulators!.autodesk.url}/authentication/v2/token`);
    expect(res.body.ok).toBe(true);
  });

  it("fails a discovery document that is not there", async () => {
    await createGeneric("no-discovery", {
      clientSecret: "sandbox-web-secret",
      issuer: `${t.emulators!.bentley.url}/tenant-that-does-not-exist`,
    });
    const discovery = check((await test("no-discovery")).body, "discovery");
    expect(discovery.status).toBe("failed");
    expect(discovery.message).toMatch(/no discovery document|HTTP 404|not a JSON discovery document/);
  });

  it("says nothing answers when the endpoints point at a closed port", async () => {
    const port = await closedPort();
    await createGeneric("unreachable", {
      authorizationUrl: `http://127.0.0.1:${port}/authorize`,
      tokenUrl: `http://127.0.0.1:${port}/token`,
    });
    const res = await test("unreachable");
    expect(check(res.body, "authorization_endpoint").message).toBe(
      `Nothing answers at 127.0.0.1:${port} (connection refused).`,
    );
    expect(check(res.body, "token_endpoint").message).toBe(
      `Nothing answers at 127.0.0.1:${port} (connection refused).`,
    );
  });

  it("reports a token endpoint that answers 5xx", async () => {
    t.emulators!.bentley.knobs.set({ failure: { target: "token", kind: "5xx", status: 503, count: 1 } });
    const res = await test("bentley-itwin");
    expect(check(res.body, "token_endpoint")).toMatchObject({ status: "failed" });
    expect(check(res.body, "token_endpoint").message).toContain("HTTP 503");
  });

  it("reports a token URL that answers HTML, and never repeats an echoed secret", async () => {
    stub.handler = (request) =>
      request.path === "/html-token"
        ? { status: 200, headers: { "content-type": "text/html" }, text: "<html>Welcome</html>" }
        : { status: 401, json: { error: "invalid_client", error_description: `bad secret ${SECRET}` } };
    await createGeneric("html-token", {
      authorizationUrl: `${stub.url}/authorize`,
      tokenUrl: `${stub.url}/html-token`,
    });
    expect(check((await test("html-token")).body, "token_endpoint").message).toBe(
      "The token endpoint answered HTTP 200 with text/html, not an OAuth answer: is this the token URL?",
    );
    await createGeneric("echoing-token", {
      authorizationUrl: `${stub.url}/authorize`,
      tokenUrl: `${stub.url}/echo`,
    });
    const echoed = await test("echoing-token");
    expect(check(echoed.body, "token_endpoint").message).toContain("bad secret [client secret]");
    expect(echoed.text).not.toContain(SECRET);
    // The made-up code exchange went out with the client's own authentication (Basic) and the callback URL.
    const sent = stub.requests.find((r) => r.path === "/echo")!;
    expect(sent.form.get("grant_type")).toBe("authorization_code");
    expect(sent.form.get("code")).toMatch(/^gatehouse-test-/);
    expect(sent.form.get("redirect_uri")).toBe(`${t.url}/api/integrations/oauth2/callback/`);
    expect(sent.headers.authorization).toMatch(/^Basic /);
  });

  it("says which scopes a service was refused", async () => {
    stub.handler = () => ({
      status: 400,
      json: { error: "invalid_scope", error_description: "unknown scope" },
    });
    await createGeneric("refused-scopes", {
      grantType: "client_credentials",
      tokenUrl: `${stub.url}/token`,
      scopes: ["no-such-scope"],
    });
    const res = await test("refused-scopes");
    expect(check(res.body, "client_credentials").message).toBe(
      "The provider refused the scopes no-such-scope (invalid_scope: unknown scope).",
    );
  });

  it("keeps the engine's reason for a URL it will not call (plain http outside the sandbox)", async () => {
    await createGeneric("plain-http", {
      authorizationUrl: `${t.emulators!.bentley.url}/connect/authorize`,
      tokenUrl: "http://gatehouse-test.invalid/token",
    });
    const token = check((await test("plain-http")).body, "token_endpoint");
    expect(token.status).toBe("failed");
    expect(token.message).toContain("must use https");
  });

  it("is for admins, knows only existing integrations, and wants the hub's Origin", async () => {
    const bob = await t.signIn("bob@example.com");
    expect((await bob.post("/api/admin/integrations/bentley-itwin/test")).status).toBe(403);
    expect((await t.client().post("/api/admin/integrations/bentley-itwin/test")).status).toBe(401);
    const missing = await admin.post<{ code: string }>("/api/admin/integrations/nope/test");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("integration_not_found");
    const foreign = await admin.post<{ code: string }>(
      "/api/admin/integrations/bentley-itwin/test",
      {},
      {
        origin: "https://evil.example",
      },
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body.code).toBe("csrf_rejected");
  });
});
