import { describe, expect, it } from "vitest";
import { APP_NAME, EVERY_APP, INTEGRATION_NAME, isAssigned } from "./names.ts";

describe("name rules", () => {
  it("integration names are 1–64 of a-z 0-9 - _", () => {
    for (const ok of ["a", "bentley-itwin", "x_1", "-lead", "a".repeat(64)]) {
      expect(INTEGRATION_NAME.test(ok)).toBe(true);
    }
    for (const bad of ["", "A", "has space", "dot.name", "a".repeat(65), "ü", "a\n"]) {
      expect(INTEGRATION_NAME.test(bad)).toBe(false);
    }
  });

  it("app names also start with a letter or digit", () => {
    expect(APP_NAME.test("itwin-browser")).toBe(true);
    expect(APP_NAME.test("-lead")).toBe(false);
    expect(APP_NAME.test("_lead")).toBe(false);
    expect(APP_NAME.test("a".repeat(65))).toBe(false);
  });
});

describe("isAssigned", () => {
  it("is true for a listed app or for every app, false otherwise", () => {
    expect(isAssigned({ apps: ["alpha"] }, "alpha")).toBe(true);
    expect(isAssigned({ apps: [EVERY_APP] }, "anything")).toBe(true);
    expect(isAssigned({ apps: ["alpha"] }, "beta")).toBe(false);
    expect(isAssigned({ apps: [] }, "alpha")).toBe(false);
    // "*" is a marker, not a pattern: an app named like part of another is not assigned.
    expect(isAssigned({ apps: ["alpha-1"] }, "alpha")).toBe(false);
  });
});
