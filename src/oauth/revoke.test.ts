import { beforeEach, describe, expect, it } from "vitest";
import { useStubProvider } from "../../test/helpers/oauthStubServer.ts";
import { stubClientConfig } from "../../test/helpers/stubClientConfig.ts";
import type { OAuthClientConfig } from "./client.ts";
import { introspectToken } from "./introspect.ts";
import { revokeToken } from "./revoke.ts";

const stub = useStubProvider();
let cfg: OAuthClientConfig;

beforeEach(() => {
  cfg = stubClientConfig(stub.url, {
    tokenUrl: `${stub.url}/authentication/v2/token`,
    revocationUrl: `${stub.url}/authentication/v2/revoke`,
    introspectionUrl: `${stub.url}/authentication/v2/introspect`,
  });
});

describe("revokeToken", () => {
  it("posts the token and hint; 200 with an empty body is success", async () => {
    stub.handler = () => ({ status: 200, text: "" });
    await revokeToken(cfg, "rt-1", "refresh_token");
    const req = stub.requests[0]!;
    expect(req.path).toBe("/authentication/v2/revoke");
    expect(req.form.get("token")).toBe("rt-1");
    expect(req.form.get("token_type_hint")).toBe("refresh_token");
  });

  it("maps provider errors, and needs a revocation URL", async () => {
    stub.handler = () => ({ status: 401, json: { error: "invalid_client" } });
    await expect(revokeToken(cfg, "rt-1")).rejects.toMatchObject({ code: "invalid_client" });
    stub.handler = () => ({ status: 503, headers: { "retry-after": "2" }, text: "" });
    await expect(revokeToken(cfg, "rt-1")).rejects.toMatchObject({
      code: "provider_unavailable",
      details: { retryAfterSeconds: 2 },
    });
    await expect(revokeToken({ ...cfg, revocationUrl: null }, "rt-1")).rejects.toMatchObject({
      code: "invalid_configuration",
    });
  });
});

describe("introspectToken", () => {
  it("returns the RFC 7662 fields", async () => {
    stub.handler = () => ({
      json: {
        active: true,
        scope: "data:read",
        exp: 1_900_000_000,
        client_id: "sandbox-web",
        userid: "u1",
        sub: "u1",
      },
    });
    expect(await introspectToken(cfg, "at-1")).toEqual({
      active: true,
      scope: "data:read",
      exp: 1_900_000_000,
      client_id: "sandbox-web",
      sub: "u1",
    });
    expect(stub.requests[0]!.form.get("token")).toBe("at-1");
  });

  it("an inactive token is { active: false }; an answer without a boolean active is invalid", async () => {
    stub.handler = () => ({ json: { active: false } });
    expect(await introspectToken(cfg, "at-1")).toEqual({ active: false });
    stub.handler = () => ({ json: { active: "yes" } });
    await expect(introspectToken(cfg, "at-1")).rejects.toMatchObject({ code: "invalid_provider_response" });
  });
});
