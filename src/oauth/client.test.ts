import { describe, expect, it } from "vitest";
import { useStubProvider } from "../../test/helpers/oauthStubServer.ts";
import { discover } from "./client.ts";

const stub = useStubProvider();

describe("discover", () => {
  it("reads the endpoints, taking revocation from the preset's field name", async () => {
    stub.handler = () => ({
      json: {
        issuer: stub.url,
        authorization_endpoint: `${stub.url}/authentication/v2/authorize`,
        token_endpoint: `${stub.url}/authentication/v2/token`,
        revoke_endpoint: `${stub.url}/authentication/v2/revoke`,
        introspection_endpoint: `${stub.url}/authentication/v2/introspect`,
        userinfo_endpoint: `${stub.url}/userinfo`,
        authorization_response_iss_parameter_supported: true,
      },
    });
    const found = await discover(stub.url, {
      allowInsecureHttp: true,
      revocationDiscoveryField: "revoke_endpoint",
    });
    expect(stub.requests[0]!.path).toBe("/.well-known/openid-configuration");
    expect(found).toEqual({
      issuer: stub.url,
      authorizationUrl: `${stub.url}/authentication/v2/authorize`,
      tokenUrl: `${stub.url}/authentication/v2/token`,
      revocationUrl: `${stub.url}/authentication/v2/revoke`,
      introspectionUrl: `${stub.url}/authentication/v2/introspect`,
      userinfoUrl: `${stub.url}/userinfo`,
      requireIssInAuthResponse: true,
    });
  });

  it("refuses a document for another issuer, and one without a token endpoint", async () => {
    stub.handler = () => ({ json: { issuer: "https://evil.example", token_endpoint: `${stub.url}/token` } });
    await expect(discover(stub.url, { allowInsecureHttp: true })).rejects.toMatchObject({
      code: "invalid_provider_response",
    });
    stub.handler = () => ({ json: { issuer: stub.url } });
    await expect(discover(stub.url, { allowInsecureHttp: true })).rejects.toMatchObject({
      code: "invalid_provider_response",
    });
  });

  it("a 503 or a hang is provider_unavailable", async () => {
    stub.handler = () => ({ status: 503, text: "" });
    await expect(discover(stub.url, { allowInsecureHttp: true })).rejects.toMatchObject({
      code: "provider_unavailable",
    });
    stub.handler = () => "hang";
    await expect(discover(stub.url, { allowInsecureHttp: true, timeoutMs: 150 })).rejects.toMatchObject({
      code: "provider_unavailable",
    });
  });
});
