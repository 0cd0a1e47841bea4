import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildAuthorizationUrl } from "./authorize.ts";
import type { OAuthClientConfig } from "./client.ts";

const cfg: OAuthClientConfig = {
  issuer: "https://idp.example.com",
  authorizationUrl: "https://idp.example.com/authorize?tenant=acme",
  tokenUrl: "https://idp.example.com/token",
  clientId: "sandbox-web",
  clientSecret: "sandbox-web-secret",
  tokenEndpointAuthMethod: "client_secret_basic",
};
const redirectUri = "http://localhost:8080/api/integrations/oauth2/callback/";

describe("buildAuthorizationUrl", () => {
  it("asks for a code with state and a PKCE S256 challenge of the returned verifier", async () => {
    const started = await buildAuthorizationUrl(cfg, {
      redirectUri,
      scopes: ["itwin-platform", "offline_access"],
    });
    const { state, codeVerifier, nonce } = started;
    const url = new URL(started.url);
    expect(url.origin + url.pathname).toBe("https://idp.example.com/authorize");
    const q = url.searchParams;
    expect(q.get("tenant")).toBe("acme");
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe("sandbox-web");
    expect(q.get("redirect_uri")).toBe(redirectUri);
    expect(q.get("scope")).toBe("itwin-platform offline_access");
    expect(q.get("state")).toBe(state);
    expect(state.length).toBeGreaterThanOrEqual(32);
    expect(codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toBe(createHash("sha256").update(codeVerifier!).digest("base64url"));
    expect(nonce).toBeNull();
    expect(q.has("nonce")).toBe(false);
    // The client secret never goes to the browser.
    expect(url.href).not.toContain("sandbox-web-secret");
  });

  it("adds a nonce when openid is asked for, and fresh randomness every time", async () => {
    const a = await buildAuthorizationUrl(cfg, { redirectUri, scopes: ["openid", "data:read"] });
    const b = await buildAuthorizationUrl(cfg, { redirectUri, scopes: ["openid", "data:read"] });
    expect(a.nonce).toBeTruthy();
    expect(new URL(a.url).searchParams.get("nonce")).toBe(a.nonce);
    expect(a.state).not.toBe(b.state);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    expect(a.nonce).not.toBe(b.nonce);
  });

  it("leaves PKCE out only when told to, and passes extra parameters", async () => {
    const { url: href, codeVerifier } = await buildAuthorizationUrl(cfg, {
      redirectUri,
      scopes: ["data:read"],
      pkce: false,
      extraParams: { prompt: "login" },
    });
    const url = new URL(href);
    expect(codeVerifier).toBeNull();
    expect(url.searchParams.has("code_challenge")).toBe(false);
    expect(url.searchParams.get("prompt")).toBe("login");
  });

  it("refuses extra parameters that would replace its own", async () => {
    await expect(
      buildAuthorizationUrl(cfg, { redirectUri, scopes: [], extraParams: { state: "fixed" } }),
    ).rejects.toMatchObject({ code: "invalid_request", status: 400 });
  });

  it("refuses configs it cannot use", async () => {
    await expect(
      buildAuthorizationUrl({ ...cfg, authorizationUrl: null }, { redirectUri, scopes: [] }),
    ).rejects.toMatchObject({ code: "invalid_configuration" });
    await expect(
      buildAuthorizationUrl(
        { ...cfg, authorizationUrl: "http://idp.example.com/authorize" },
        { redirectUri, scopes: [] },
      ),
    ).rejects.toMatchObject({ code: "invalid_configuration" });
    await expect(
      buildAuthorizationUrl({ ...cfg, clientSecret: null }, { redirectUri, scopes: [] }),
    ).rejects.toMatchObject({ code: "invalid_configuration" });
    const insecure = await buildAuthorizationUrl(
      { ...cfg, authorizationUrl: "http://127.0.0.1:1/authorize", allowInsecureHttp: true },
      { redirectUri, scopes: [] },
    );
    expect(new URL(insecure.url).protocol).toBe("http:");
  });
});
