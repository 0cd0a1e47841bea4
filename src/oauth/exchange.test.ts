import { generateKeyPair, SignJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { startStubProvider, useStubProvider } from "../../test/helpers/oauthStubServer.ts";
import { validateCallback } from "./callback.ts";
import type { OAuthClientConfig } from "./client.ts";
import { OAuthError } from "./errors.ts";
import { exchangeCode } from "./exchange.ts";

const stub = useStubProvider();
let cfg: OAuthClientConfig;
const redirectUri = "http://localhost:8080/api/integrations/oauth2/callback/";
const tokens = {
  access_token: "at-1",
  token_type: "Bearer",
  expires_in: 3600,
  refresh_token: "rt-1",
  scope: "a b",
};

beforeEach(() => {
  stub.handler = () => ({ json: tokens });
  cfg = {
    issuer: stub.url,
    authorizationUrl: `${stub.url}/authorize`,
    tokenUrl: `${stub.url}/token`,
    clientId: "sandbox web",
    clientSecret: "s3cret:with/odd&chars",
    tokenEndpointAuthMethod: "client_secret_basic",
    allowInsecureHttp: true,
    timeoutMs: 2000,
  };
});

const callbackParams = (config: OAuthClientConfig) =>
  validateCallback(config, new URL(`${redirectUri}?code=the-code&state=st`), "st");

async function exchangeError(config: OAuthClientConfig = cfg): Promise<OAuthError> {
  const err: unknown = await exchangeCode(config, callbackParams(config), {
    redirectUri,
    codeVerifier: "v".repeat(43),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}

describe("exchangeCode on the wire", () => {
  it("posts the code, redirect URI and PKCE verifier, and returns the TokenSet", async () => {
    const before = Date.now();
    const set = await exchangeCode(cfg, callbackParams(cfg), {
      redirectUri,
      codeVerifier: "v".repeat(43),
      scopes: ["x"],
    });
    expect(set).toMatchObject({
      accessToken: "at-1",
      tokenType: "Bearer",
      refreshToken: "rt-1",
      scopes: ["a", "b"],
      idToken: null,
    });
    expect(set.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(set.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    const [req] = stub.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/token");
    expect(req?.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(Object.fromEntries(req!.form)).toMatchObject({
      grant_type: "authorization_code",
      code: "the-code",
      redirect_uri: redirectUri,
      code_verifier: "v".repeat(43),
    });
  });

  it("client_secret_basic: URL-encoded id and secret in the Authorization header, nothing in the body", async () => {
    await exchangeCode(cfg, callbackParams(cfg), { redirectUri, codeVerifier: null });
    const req = stub.requests[0]!;
    const expected = Buffer.from(
      `${encodeURIComponent("sandbox web").replace(/%20/g, "+")}:${encodeURIComponent("s3cret:with/odd&chars")}`,
    ).toString("base64");
    expect(req.headers.authorization).toBe(`Basic ${expected}`);
    expect(req.form.has("client_secret")).toBe(false);
    expect(req.form.has("code_verifier")).toBe(false);
  });

  it("client_secret_post: id and secret in the form body, no Authorization header", async () => {
    const post = { ...cfg, tokenEndpointAuthMethod: "client_secret_post" as const };
    await exchangeCode(post, callbackParams(post), { redirectUri, codeVerifier: null });
    const req = stub.requests[0]!;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.form.get("client_id")).toBe("sandbox web");
    expect(req.form.get("client_secret")).toBe("s3cret:with/odd&chars");
  });

  it("none: a public client sends only its id", async () => {
    const pub = { ...cfg, tokenEndpointAuthMethod: "none" as const, clientSecret: null };
    await exchangeCode(pub, callbackParams(pub), { redirectUri, codeVerifier: "v".repeat(43) });
    const req = stub.requests[0]!;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.form.get("client_id")).toBe("sandbox web");
    expect(req.form.has("client_secret")).toBe(false);
  });

  it("uses the configured default lifetime, and the requested scopes, when the answer names neither", async () => {
    stub.handler = () => ({ json: { access_token: "at", token_type: "bearer" } });
    const before = Date.now();
    const set = await exchangeCode({ ...cfg, defaultExpiresInSeconds: 120 }, callbackParams(cfg), {
      redirectUri,
      codeVerifier: null,
      scopes: ["data:read"],
    });
    expect(set.tokenType).toBe("Bearer");
    expect(set.scopes).toEqual(["data:read"]);
    expect(set.refreshToken).toBeNull();
    expect(set.expiresAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(set.expiresAt).toBeLessThan(before + 3600_000);
  });

  it("checks the ID token's nonce", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const idToken = await new SignJWT({ nonce: "n-1" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(stub.url)
      .setAudience("sandbox web")
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    stub.handler = () => ({ json: { ...tokens, id_token: idToken } });
    const ok = await exchangeCode(cfg, callbackParams(cfg), {
      redirectUri,
      codeVerifier: null,
      nonce: "n-1",
    });
    expect(ok.idToken).toBe(idToken);
    const err: unknown = await exchangeCode(cfg, callbackParams(cfg), {
      redirectUri,
      codeVerifier: null,
      nonce: "n-2",
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_provider_response" });
  });
});

describe("exchangeCode errors", () => {
  it("invalid_grant from the RFC 6749 body, with the provider's description", async () => {
    stub.handler = () => ({
      status: 400,
      json: { error: "invalid_grant", error_description: "code expired" },
    });
    const err = await exchangeError();
    expect(err).toMatchObject({ code: "invalid_grant", status: 400 });
    expect(err.details).toMatchObject({
      providerError: "invalid_grant",
      providerDescription: "code expired",
      providerStatus: 400,
    });
  });

  it("invalid_client from a 401 body, with or without a WWW-Authenticate challenge", async () => {
    stub.handler = () => ({
      status: 401,
      json: { error: "invalid_client", error_description: "bad secret" },
    });
    expect(await exchangeError()).toMatchObject({ code: "invalid_client", status: 502 });
    stub.handler = () => ({
      status: 401,
      headers: { "www-authenticate": 'Basic realm="token"' },
      json: { error: "invalid_client" },
    });
    expect((await exchangeError()).code).toBe("invalid_client");
    stub.handler = () => ({ status: 401, headers: { "www-authenticate": 'Basic realm="token"' }, text: "" });
    expect((await exchangeError()).code).toBe("invalid_client");
  });

  it("other RFC 6749 codes keep their name or become provider_error", async () => {
    stub.handler = () => ({ status: 400, json: { error: "invalid_scope" } });
    expect((await exchangeError()).code).toBe("invalid_scope");
    stub.handler = () => ({ status: 400, json: { error: "unsupported_grant_type" } });
    expect(await exchangeError()).toMatchObject({
      code: "provider_error",
      details: { providerError: "unsupported_grant_type" },
    });
  });

  it("503 is provider_unavailable, with Retry-After in the details", async () => {
    stub.handler = () => ({
      status: 503,
      headers: { "retry-after": "7" },
      json: { error: "temporarily_unavailable" },
    });
    const err = await exchangeError();
    expect(err).toMatchObject({ code: "provider_unavailable", status: 503 });
    expect(err.details).toMatchObject({ providerStatus: 503, retryAfterSeconds: 7 });
    stub.handler = () => ({
      status: 502,
      text: "<html>Bad gateway</html>",
      headers: { "content-type": "text/html" },
    });
    expect((await exchangeError()).code).toBe("provider_unavailable");
  });

  it("429 is provider_unavailable", async () => {
    stub.handler = () => ({ status: 429, headers: { "retry-after": "30" }, text: "slow down" });
    expect(await exchangeError()).toMatchObject({
      code: "provider_unavailable",
      details: { retryAfterSeconds: 30 },
    });
  });

  it("a token endpoint that hangs is provider_unavailable once the timeout passes", async () => {
    stub.handler = () => "hang";
    const err = await exchangeError({ ...cfg, timeoutMs: 200 });
    expect(err).toMatchObject({ code: "provider_unavailable", details: { reason: "timeout" } });
  });

  it("an answer whose body stops coming is provider_unavailable once the timeout passes", async () => {
    stub.handler = () => "hang-body";
    const err = await exchangeError({ ...cfg, timeoutMs: 200 });
    expect(err).toMatchObject({ code: "provider_unavailable", details: { reason: "timeout" } });
  });

  it("a refused connection is provider_unavailable", async () => {
    const closed = await startStubProvider();
    await closed.close();
    const err = await exchangeError({ ...cfg, tokenUrl: `${closed.url}/token` });
    expect(err).toMatchObject({ code: "provider_unavailable", details: { reason: "network" } });
  });

  it("an answer that is not JSON, or not a token answer, is invalid_provider_response", async () => {
    stub.handler = () => ({
      status: 200,
      headers: { "content-type": "application/json" },
      text: "{not json",
    });
    expect(await exchangeError()).toMatchObject({ code: "invalid_provider_response", status: 502 });
    stub.handler = () => ({ status: 200, json: { token_type: "Bearer" } });
    expect((await exchangeError()).code).toBe("invalid_provider_response");
    stub.handler = () => ({ status: 200, json: { access_token: "x", token_type: "mac" } });
    expect((await exchangeError()).code).toBe("invalid_provider_response");
    stub.handler = () => ({ status: 400, text: "nope" });
    expect((await exchangeError()).code).toBe("invalid_provider_response");
  });

  it("never puts a token or secret into an error", async () => {
    stub.handler = () => ({ status: 200, json: { access_token: "at-secret-value", token_type: "mac" } });
    const err = await exchangeError();
    const seen = `${err.message} ${JSON.stringify(err.details)} ${String(err.cause)}`;
    expect(seen).not.toContain("at-secret-value");
    expect(seen).not.toContain("s3cret");
  });
});
