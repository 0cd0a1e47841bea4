// RFC 9700 §2.6 (TLS everywhere): outside the sandbox the hub talks to an authorization server over plain
// http only when every URL of the integration is on this machine (the emulators, tests). A non-loopback
// http token endpoint is refused before any byte is sent.
import http from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { oauthConfigFor } from "../../src/hub/connect/oauthConfig.ts";
import { refreshTokens } from "../../src/oauth/index.ts";
import type { Integration } from "../../src/vault/integrationStore.ts";

function integration(tokenUrl: string): Integration {
  return {
    id: "i1",
    name: "tls",
    provider: "generic",
    description: "",
    apps: ["*"],
    grantType: "authorization_code",
    authorizationUrl: tokenUrl.replace("/token", "/authorize"),
    tokenUrl,
    revocationUrl: null,
    introspectionUrl: null,
    issuer: null,
    clientId: "client",
    clientSecret: "secret",
    scopes: ["read"],
    tokenEndpointAuthMethod: "client_secret_basic",
    pkce: true,
    createdAt: 0,
    updatedAt: 0,
  };
}

let hits = 0;
let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("plain http to a non-loopback host is not allowed outside the sandbox, and refused before sending", async () => {
  const cfg = oauthConfigFor({ sandbox: false }, integration("http://auth.example.com/token"));
  expect(cfg.allowInsecureHttp).toBe(false);
  await expect(refreshTokens(cfg, "refresh-token")).rejects.toThrow();
  // https, and loopback http (the emulators), are fine.
  expect(
    oauthConfigFor({ sandbox: false }, integration("https://auth.example.com/token")).allowInsecureHttp,
  ).toBe(false);
  expect(
    oauthConfigFor({ sandbox: false }, integration(`http://127.0.0.1:${port}/token`)).allowInsecureHttp,
  ).toBe(true);
});

it("the same refusal holds when the request would go to a listening http server", async () => {
  // A config that names a non-loopback http URL never connects; here the URL is loopback but the config
  // says insecure http is not allowed, so nothing reaches the server either.
  const cfg = {
    ...oauthConfigFor({ sandbox: false }, integration(`http://127.0.0.1:${port}/token`)),
    allowInsecureHttp: false,
  };
  await expect(refreshTokens(cfg, "refresh-token")).rejects.toThrow();
  expect(hits).toBe(0);
});
