import { describe, expect, it } from "vitest";
import { collapseRepeatedSlashes } from "./paths.ts";

describe("collapseRepeatedSlashes", () => {
  it("collapses every run of slashes in the path", () => {
    expect(collapseRepeatedSlashes("//authentication/v2/token")).toBe("/authentication/v2/token");
    expect(collapseRepeatedSlashes("/connect///token")).toBe("/connect/token");
    expect(collapseRepeatedSlashes("///itwins//?$top=5")).toBe("/itwins/?$top=5");
    expect(collapseRepeatedSlashes("//")).toBe("/");
  });

  it("leaves the query alone, slashes and all", () => {
    expect(collapseRepeatedSlashes("//connect/authorize?redirect_uri=http://x//cb")).toBe(
      "/connect/authorize?redirect_uri=http://x//cb",
    );
    expect(collapseRepeatedSlashes("/a?b=//c")).toBe("/a?b=//c");
  });

  it("returns a clean path unchanged", () => {
    expect(collapseRepeatedSlashes("/itwins/")).toBe("/itwins/");
    expect(collapseRepeatedSlashes("/")).toBe("/");
  });
});
