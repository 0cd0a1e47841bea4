import { describe, expect, it } from "vitest";
import { HOSTILE_RETURN_TO } from "../../../test/helpers/hostileReturnTo.ts";
import { HUB_ORIGIN, safeReturnTo } from "./returnTo.ts";

describe("safeReturnTo", () => {
  it("keeps paths on the hub, normalised, with their query and fragment", () => {
    expect(safeReturnTo("/apps/itwin-browser?x=1#top")).toBe("/apps/itwin-browser?x=1#top");
    expect(safeReturnTo("/a/./b/../c")).toBe("/a/c");
    expect(safeReturnTo("/account")).toBe("/account");
  });

  it.each(HOSTILE_RETURN_TO)("refuses %j: the answer is /", (value) => {
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
