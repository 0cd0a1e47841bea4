import { beforeEach, describe, expect, it } from "vitest";
import { useStubProvider } from "../../test/helpers/oauthStubServer.ts";
import { stubClientConfig } from "../../test/helpers/stubClientConfig.ts";
import type { OAuthClientConfig } from "./client.ts";
import { clientCredentials } from "./clientCredentials.ts";

const stub = useStubProvider();
let cfg: OAuthClientConfig;

beforeEach(() => {
  cfg = stubClientConfig(stub.url, { clientId: "sandbox-service", clientSecret: "sandbox-service-secret" });
});

describe("clientCredentials", () => {
  it("asks for the scopes as the client itself and gets no refresh token", async () => {
    stub.handler = () => ({ json: { access_token: "svc", token_type: "Bearer", expires_in: 3600 } });
    const set = await clientCredentials(cfg, { scopes: ["itwin-platform"] });
    expect(set).toMatchObject({ accessToken: "svc", refreshToken: null, scopes: ["itwin-platform"] });
    const req = stub.requests[0]!;
    expect(req.form.get("grant_type")).toBe("client_credentials");
    expect(req.form.get("scope")).toBe("itwin-platform");
    expect(req.headers.authorization).toMatch(/^Basic /);
  });

  it("a bad secret is invalid_client; a forbidden scope is invalid_scope", async () => {
    stub.handler = () => ({ status: 400, json: { error: "invalid_client" } });
    await expect(clientCredentials(cfg, { scopes: [] })).rejects.toMatchObject({ code: "invalid_client" });
    stub.handler = () => ({ status: 400, json: { error: "invalid_scope", error_description: "openid" } });
    await expect(clientCredentials(cfg, { scopes: ["openid"] })).rejects.toMatchObject({
      code: "invalid_scope",
    });
  });

  it("refuses plain http unless allowed", async () => {
    await expect(
      clientCredentials({ ...cfg, allowInsecureHttp: false }, { scopes: [] }),
    ).rejects.toMatchObject({
      code: "invalid_configuration",
    });
    expect(stub.requests).toHaveLength(0);
  });
});
