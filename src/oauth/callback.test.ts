import { describe, expect, it } from "vitest";
import { validateCallback } from "./callback.ts";
import type { OAuthClientConfig } from "./client.ts";
import { thrownOAuthError } from "../../test/helpers/oauthErrors.ts";

const cfg: OAuthClientConfig = {
  issuer: "https://ims.example.com",
  authorizationUrl: "https://ims.example.com/connect/authorize",
  tokenUrl: "https://ims.example.com/connect/token",
  clientId: "sandbox-web",
  clientSecret: "sandbox-web-secret",
  tokenEndpointAuthMethod: "client_secret_basic",
};
const callback = (query: string) =>
  new URL(`https://hub.example.com/api/integrations/oauth2/callback/?${query}`);

describe("validateCallback", () => {
  it("returns the parameters when state and iss match", () => {
    const params = validateCallback(
      cfg,
      callback("code=abc&state=s1&iss=https%3A%2F%2Fims.example.com"),
      "s1",
    );
    expect(params.get("code")).toBe("abc");
  });

  it("accepts a callback without iss from a provider not known to always send it", () => {
    expect(validateCallback(cfg, callback("code=abc&state=s1"), "s1").get("code")).toBe("abc");
  });

  it("refuses a different or missing state (forged or replayed callback)", () => {
    expect(thrownOAuthError(() => validateCallback(cfg, callback("code=abc&state=s2"), "s1"))).toMatchObject({
      code: "state_mismatch",
      status: 400,
    });
    expect(thrownOAuthError(() => validateCallback(cfg, callback("code=abc"), "s1")).code).toBe(
      "state_mismatch",
    );
    expect(thrownOAuthError(() => validateCallback(cfg, callback("code=abc&state="), "")).code).toBe(
      "state_mismatch",
    );
  });

  it("refuses an iss that is not the issuer (RFC 9207 mix-up defence)", () => {
    const err = thrownOAuthError(() =>
      validateCallback(cfg, callback("code=abc&state=s1&iss=https%3A%2F%2Fevil.example"), "s1"),
    );
    expect(err).toMatchObject({ code: "issuer_mismatch", status: 400 });
    expect(err.details).toMatchObject({
      expectedIssuer: "https://ims.example.com",
      receivedIssuer: "https://evil.example",
    });
  });

  it("refuses a missing iss when the provider always sends one", () => {
    const strict = { ...cfg, requireIssInAuthResponse: true };
    expect(thrownOAuthError(() => validateCallback(strict, callback("code=abc&state=s1"), "s1")).code).toBe(
      "issuer_mismatch",
    );
  });

  it("does not check iss when no issuer is configured", () => {
    const noIssuer = { ...cfg, issuer: null };
    expect(
      validateCallback(noIssuer, callback("code=abc&state=s1&iss=https%3A%2F%2Fother.example"), "s1").get(
        "code",
      ),
    ).toBe("abc");
  });

  it("turns error=access_denied into access_denied with the provider's description", () => {
    const err = thrownOAuthError(() =>
      validateCallback(
        cfg,
        callback("error=access_denied&error_description=The+user+said+no&state=s1"),
        "s1",
      ),
    );
    expect(err).toMatchObject({ code: "access_denied", status: 403 });
    expect(err.details).toMatchObject({
      providerError: "access_denied",
      providerDescription: "The user said no",
    });
    expect(err.message).toContain("The user said no");
  });

  it("maps other provider errors, and distrusts an error that comes with the wrong state", () => {
    const codes = {
      "error=invalid_scope&state=s1": "invalid_scope",
      "error=server_error&state=s1": "provider_unavailable",
      "error=weird_thing&state=s1": "provider_error",
      "error=access_denied&state=s9": "state_mismatch",
    };
    for (const [query, code] of Object.entries(codes)) {
      expect(thrownOAuthError(() => validateCallback(cfg, callback(query), "s1")).code, query).toBe(code);
    }
  });
});
