import { describe, expect, it } from "vitest";
import type { OAuthClientConfig } from "../../oauth/index.ts";
import {
  describeNetworkError,
  judgeAuthorizationEndpoint,
  judgeClientCredentials,
  judgeDiscovery,
  judgeTokenEndpoint,
  providerText,
} from "./integrationProbes.ts";

const TOKEN_URL = "https://ims.example.com/connect/token";
const SECRET = "s3cret-value";
const json = (body: unknown, status = 200, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
const html = (status: number) =>
  new Response("<html><body>Not here</body></html>", {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
  });

describe("judgeDiscovery", () => {
  const expected = { issuer: "https://ims.example.com", tokenUrl: TOKEN_URL };

  it("passes a document naming the same issuer and token endpoint", async () => {
    const check = await judgeDiscovery(
      json({ issuer: expected.issuer, token_endpoint: TOKEN_URL }),
      expected,
    );
    expect(check).toMatchObject({
      id: "discovery",
      status: "passed",
      url: "https://ims.example.com/.well-known/openid-configuration",
    });
  });

  it("names both issuers and the field when they differ", async () => {
    const check = await judgeDiscovery(json({ issuer: "http://127.0.0.1:8091" }), expected);
    expect(check.status).toBe("failed");
    expect(check.message).toContain("http://127.0.0.1:8091");
    expect(check.message).toContain("https://ims.example.com");
    expect(check.message).toContain("Issuer under Advanced settings");
  });

  it("warns when the document names another token endpoint", async () => {
    const check = await judgeDiscovery(
      json({ issuer: expected.issuer, token_endpoint: "https://ims.example.com/oauth/token" }),
      expected,
    );
    expect(check.status).toBe("warning");
    expect(check.message).toContain("https://ims.example.com/oauth/token");
  });

  it("fails a 404, an HTML page, a redirect and a document without issuer", async () => {
    expect((await judgeDiscovery(html(404), expected)).message).toMatch(/no discovery document.*404/);
    expect((await judgeDiscovery(html(200), expected)).message).toContain("text/html");
    const redirect = new Response(null, { status: 302, headers: { location: "https://elsewhere.example" } });
    expect((await judgeDiscovery(redirect, expected)).message).toContain("redirects (HTTP 302");
    expect((await judgeDiscovery(json({ token_endpoint: TOKEN_URL }), expected)).status).toBe("failed");
    expect((await judgeDiscovery(json({}, 500), expected)).message).toContain("HTTP 500");
  });
});

describe("judgeTokenEndpoint", () => {
  it("passes invalid_grant: the endpoint answers and took the client", async () => {
    const check = await judgeTokenEndpoint(json({ error: "invalid_grant" }, 400), TOKEN_URL, SECRET);
    expect(check.status).toBe("passed");
  });

  it("says the client was refused, and never repeats the secret the provider echoed", async () => {
    const check = await judgeTokenEndpoint(
      json({ error: "invalid_client", error_description: `client secret ${SECRET} is wrong` }, 401),
      TOKEN_URL,
      SECRET,
    );
    expect(check.status).toBe("failed");
    expect(check.message).toContain("check the client ID and secret");
    expect(check.message).not.toContain(SECRET);
    expect(check.message).toContain("[client secret]");
  });

  it("fails HTML, 5xx, redirects, and a token granted for a made-up code", async () => {
    expect((await judgeTokenEndpoint(html(404), TOKEN_URL, null)).message).toMatch(
      /HTTP 404 with text\/html, not an OAuth answer/,
    );
    expect((await judgeTokenEndpoint(html(502), TOKEN_URL, null)).message).toContain("HTTP 502");
    const redirect = new Response(null, { status: 301, headers: { location: "https://x.example/token" } });
    expect((await judgeTokenEndpoint(redirect, TOKEN_URL, null)).status).toBe("failed");
    const granted = await judgeTokenEndpoint(
      json({ access_token: "x", token_type: "Bearer" }),
      TOKEN_URL,
      null,
    );
    expect(granted.message).toContain("not a real OAuth server");
  });

  it("fails a client that may not use the grant, and warns on other OAuth errors", async () => {
    expect(
      (await judgeTokenEndpoint(json({ error: "unauthorized_client" }, 400), TOKEN_URL, null)).status,
    ).toBe("failed");
    const other = await judgeTokenEndpoint(
      json({ error: "invalid_request", error_description: "x\n\ty" }, 400),
      TOKEN_URL,
      null,
    );
    expect(other).toMatchObject({ status: "warning" });
    expect(other.message).toContain("invalid_request: x y");
  });
});

describe("judgeAuthorizationEndpoint", () => {
  it("passes any answer below 500 but a 404", () => {
    expect(judgeAuthorizationEndpoint(html(400), "https://a.example/authorize").status).toBe("passed");
    expect(judgeAuthorizationEndpoint(html(404), "https://a.example/authorize").status).toBe("failed");
    expect(judgeAuthorizationEndpoint(html(503), "https://a.example/authorize").status).toBe("failed");
  });
});

describe("judgeClientCredentials", () => {
  const cfg: OAuthClientConfig = {
    tokenUrl: TOKEN_URL,
    clientId: "service",
    clientSecret: SECRET,
    tokenEndpointAuthMethod: "client_secret_basic",
  };

  it("passes a token answer, saying how long it lasts and its scopes, and hands the token back", async () => {
    const now = Date.UTC(2026, 0, 1);
    const judged = await judgeClientCredentials(
      json({ access_token: "at-3f9c1e", token_type: "bearer", expires_in: 3600, scope: "itwin-platform" }),
      cfg,
      ["itwin-platform"],
      now,
    );
    expect(judged.check).toMatchObject({ status: "passed" });
    expect(judged.check.message).toContain("valid for 60 minutes (scopes: itwin-platform)");
    expect(judged.check.message).not.toContain("at-3f9c1e");
    expect(judged.accessToken).toBe("at-3f9c1e");
  });

  it("puts invalid_scope and invalid_client in words", async () => {
    const scope = await judgeClientCredentials(json({ error: "invalid_scope" }, 400), cfg, ["openid"]);
    expect(scope.check.message).toContain("refused the scopes openid");
    expect(scope.accessToken).toBeNull();
    const client = await judgeClientCredentials(json({ error: "invalid_client" }, 401), cfg, []);
    expect(client.check.message).toContain("refused the client");
  });

  it("fails an answer that is not a token response", async () => {
    const judged = await judgeClientCredentials(json({ token_type: "Bearer" }), cfg, []);
    expect(judged.check.status).toBe("failed");
    expect(judged.check.message).toContain("not a valid token response");
  });
});

describe("words for what went wrong", () => {
  it("names refused connections, unknown hosts and timeouts", () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    expect(describeNetworkError(refused, "http://127.0.0.1:9/x")).toBe(
      "Nothing answers at 127.0.0.1:9 (connection refused).",
    );
    const unknown = Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND" } });
    expect(describeNetworkError(unknown, "https://ims.invalid/x")).toContain("does not resolve");
    const timeout = Object.assign(new Error("t"), { name: "TimeoutError" });
    expect(describeNetworkError(timeout, "https://slow.example/x")).toContain("within 5 s");
  });

  it("keeps provider text to one short line without the secret", () => {
    expect(providerText(`a\nb ${SECRET}`, SECRET)).toBe("a b [client secret]");
    expect(providerText("x".repeat(500), null)).toHaveLength(200);
    expect(providerText(42, null)).toBe("");
  });
});
