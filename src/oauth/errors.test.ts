import { describe, expect, it } from "vitest";
import { GatehouseError } from "../errors.ts";
import { OAuthError, oauthErrorFromProviderCode, parseRetryAfter } from "./errors.ts";

describe("OAuthError", () => {
  it("is a GatehouseError with its code's status", () => {
    const err = new OAuthError("provider_unavailable", "down", { providerStatus: 503 });
    expect(err).toBeInstanceOf(GatehouseError);
    expect(err).toMatchObject({ name: "OAuthError", code: "provider_unavailable", status: 503 });
  });

  it("maps RFC 6749 error codes", () => {
    expect(oauthErrorFromProviderCode("invalid_grant", undefined, 400)).toMatchObject({
      code: "invalid_grant",
      status: 400,
    });
    expect(oauthErrorFromProviderCode("invalid_client", "nope")).toMatchObject({
      code: "invalid_client",
      status: 502,
    });
    expect(oauthErrorFromProviderCode("temporarily_unavailable", undefined).code).toBe(
      "provider_unavailable",
    );
    expect(oauthErrorFromProviderCode("slow_down", undefined)).toMatchObject({
      code: "provider_error",
      details: { providerError: "slow_down" },
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates, and ignores what it cannot read", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});
