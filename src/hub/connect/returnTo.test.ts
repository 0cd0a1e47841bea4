import { describe, expect, it } from "vitest";
import { HUB_ORIGIN, safeReturnTo } from "./returnTo.ts";

describe("safeReturnTo", () => {
  it("keeps paths on the hub, normalised, with their query and fragment", () => {
    expect(safeReturnTo("/apps/itwin-browser?x=1#top")).toBe("/apps/itwin-browser?x=1#top");
    expect(safeReturnTo("/a/./b/../c")).toBe("/a/c");
    expect(safeReturnTo("/account")).toBe("/account");
  });

  it.each([
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
    // Pass a check on the raw text, then normalise into a scheme-relative URL (another host).
    "/.//evil.example/x",
    "/%2e%2e//evil.example/x",
    "/%2E//evil.example/x",
    "/a/..//evil.example/x",
    "/a/b/../..//evil.example/x",
    "/././/evil.example",
  ])("refuses %j: the answer is /", (value) => {
    expect(safeReturnTo(value)).toBe("/");
  });

  it("never answers something a browser would read as another host", () => {
    const tricky = ["/.", "/..", "/.%2e/", "/%2e/", "/a/%2e%2e/%2e%2e//b", "/.;//x", "/..;//x"];
    for (const value of tricky) {
      const answer = safeReturnTo(value);
      expect(new URL(answer, HUB_ORIGIN).origin, value).toBe(HUB_ORIGIN);
      expect(answer.startsWith("//"), value).toBe(false);
    }
  });

  it("refuses values that are not strings or are too long", () => {
    expect(safeReturnTo(undefined)).toBe("/");
    expect(safeReturnTo(["/a"])).toBe("/");
    expect(safeReturnTo(`/${"a".repeat(2048)}`)).toBe("/");
  });
});
