import { beforeEach, describe, expect, it } from "vitest";
import { useStubProvider } from "../../test/helpers/oauthStubServer.ts";
import { stubClientConfig } from "../../test/helpers/stubClientConfig.ts";
import type { OAuthClientConfig } from "./client.ts";
import { refreshTokens } from "./refresh.ts";

const stub = useStubProvider();
let cfg: OAuthClientConfig;

beforeEach(() => {
  cfg = stubClientConfig(stub.url, { issuer: stub.url, tokenEndpointAuthMethod: "client_secret_post" });
});

describe("refreshTokens", () => {
  it("sends the refresh grant and takes the rotated refresh token", async () => {
    stub.handler = () => ({
      json: { access_token: "at-2", token_type: "Bearer", expires_in: 60, refresh_token: "rt-2" },
    });
    const set = await refreshTokens(cfg, "rt-1", { fallbackScopes: ["itwin-platform"] });
    expect(set).toMatchObject({ accessToken: "at-2", refreshToken: "rt-2", scopes: ["itwin-platform"] });
    const form = stub.requests[0]!.form;
    expect(form.get("grant_type")).toBe("refresh_token");
    expect(form.get("refresh_token")).toBe("rt-1");
    expect(form.has("scope")).toBe(false);
  });

  it("keeps the previous refresh token when the answer has none", async () => {
    stub.handler = () => ({ json: { access_token: "at-2", token_type: "Bearer", expires_in: 60 } });
    expect((await refreshTokens(cfg, "rt-1")).refreshToken).toBe("rt-1");
  });

  it("without expires_in, expires after the configured default, else after 3600 s", async () => {
    stub.handler = () => ({ json: { access_token: "at-2", token_type: "Bearer" } });
    const before = Date.now();
    const byDefault = await refreshTokens(cfg, "rt-1");
    expect(byDefault.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(byDefault.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    const configured = await refreshTokens({ ...cfg, defaultExpiresInSeconds: 600 }, "rt-1");
    expect(configured.expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(configured.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it("sends a narrower scope when asked, and reports the answer's scope over the requested one", async () => {
    stub.handler = () => ({ json: { access_token: "at", token_type: "Bearer", scope: "data:read" } });
    const set = await refreshTokens(cfg, "rt-1", { scopes: ["data:read", "data:write"] });
    expect(stub.requests[0]!.form.get("scope")).toBe("data:read data:write");
    expect(set.scopes).toEqual(["data:read"]);
    stub.handler = () => ({ json: { access_token: "at", token_type: "Bearer" } });
    expect(
      (await refreshTokens(cfg, "rt-1", { scopes: ["data:read"], fallbackScopes: ["x"] })).scopes,
    ).toEqual(["data:read"]);
  });

  it("a refused refresh token is invalid_grant, and the token is not in the error", async () => {
    stub.handler = () => ({
      status: 400,
      json: { error: "invalid_grant", error_description: "grant request is invalid" },
    });
    const err: unknown = await refreshTokens(cfg, "rt-very-secret").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_grant" });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain("rt-very-secret");
  });

  it("an empty refresh token is invalid_grant without a request", async () => {
    await expect(refreshTokens(cfg, "")).rejects.toMatchObject({ code: "invalid_grant" });
    expect(stub.requests).toHaveLength(0);
  });

  it("503 and a hang are provider_unavailable", async () => {
    stub.handler = () => ({ status: 503, text: "" });
    await expect(refreshTokens(cfg, "rt-1")).rejects.toMatchObject({
      code: "provider_unavailable",
      status: 503,
    });
    stub.handler = () => "hang";
    await expect(refreshTokens({ ...cfg, timeoutMs: 150 }, "rt-1")).rejects.toMatchObject({
      code: "provider_unavailable",
      details: { reason: "timeout" },
    });
  });
});
