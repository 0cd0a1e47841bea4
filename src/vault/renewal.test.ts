import { describe, expect, it } from "vitest";
import {
  effectiveMinValidityMs,
  FORCED_REFRESH_MIN_INTERVAL_MS,
  forcedRenewal,
  validFor,
} from "./renewal.ts";

const NOW = 1_800_000_000_000;
const S = 1000;
/** A token issued `age` ms ago that lives `lifetime` ms. */
const issued = (lifetime: number, age = 0) => ({ issuedAt: NOW - age, expiresAt: NOW - age + lifetime });

describe("effectiveMinValidityMs", () => {
  it("is what was asked when the provider's tokens live more than twice as long", () => {
    expect(effectiveMinValidityMs(60 * S, issued(3600 * S))).toBe(60 * S);
  });

  it("is half the lifetime when the tokens are shorter than twice the margin", () => {
    expect(effectiveMinValidityMs(60 * S, issued(5 * S))).toBe(2.5 * S);
    expect(effectiveMinValidityMs(86_400 * S, issued(3600 * S))).toBe(1800 * S);
  });

  it("is never negative, even for a row whose expiry is before its issue time", () => {
    expect(effectiveMinValidityMs(60 * S, { issuedAt: NOW, expiresAt: NOW - S })).toBe(0);
  });
});

describe("validFor", () => {
  it("keeps a freshly issued token whatever the margin asked, so one expiry costs one refresh", () => {
    for (const lifetime of [1 * S, 5 * S, 59 * S, 3600 * S]) {
      for (const asked of [0, 30 * S, 60 * S, 86_400 * S]) {
        expect(validFor(asked)(issued(lifetime), NOW)).toBe(false);
      }
    }
  });

  it("renews a 5-second token in the second half of its life, a 1-hour one 60 s before expiry", () => {
    const rule = validFor(60 * S);
    expect(rule(issued(5 * S, 2.5 * S), NOW)).toBe(false);
    expect(rule(issued(5 * S, 2.5 * S + 1), NOW)).toBe(true);
    expect(rule(issued(3600 * S, 3540 * S), NOW)).toBe(false);
    expect(rule(issued(3600 * S, 3540 * S + 1), NOW)).toBe(true);
  });

  it("always renews an expired token, even when nothing was asked", () => {
    expect(validFor(0)(issued(5 * S, 5 * S), NOW)).toBe(true);
    expect(validFor(0)(issued(5 * S, 5 * S - 1), NOW)).toBe(false);
  });
});

describe("forcedRenewal", () => {
  it("renews a token issued more than a few seconds ago, even one valid for an hour", () => {
    expect(forcedRenewal()(issued(3600 * S, FORCED_REFRESH_MIN_INTERVAL_MS), NOW)).toBe(true);
  });

  it("keeps the token just issued: a second 401 within the interval is no second refresh", () => {
    expect(forcedRenewal()(issued(3600 * S, FORCED_REFRESH_MIN_INTERVAL_MS - 1), NOW)).toBe(false);
    expect(forcedRenewal()(issued(3600 * S), NOW)).toBe(false);
  });

  it("renews a token that has expired, however recently it was issued", () => {
    expect(forcedRenewal()(issued(1 * S, 1 * S), NOW)).toBe(true);
  });
});
