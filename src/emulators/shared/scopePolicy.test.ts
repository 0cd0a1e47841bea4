import { describe, expect, it } from "vitest";
import { invalidScopeDescription, scopesNotAllowed } from "./scopePolicy.ts";

describe("scopesNotAllowed", () => {
  it("lists each requested scope outside the allowed ones once, in request order", () => {
    expect(scopesNotAllowed("openid nope itwin-platform nope other", "openid itwin-platform")).toEqual([
      "nope",
      "other",
    ]);
  });

  it("finds nothing wrong with no scope or only allowed ones", () => {
    expect(scopesNotAllowed(undefined, "openid")).toEqual([]);
    expect(scopesNotAllowed("", "openid")).toEqual([]);
    expect(scopesNotAllowed("  openid  ", "openid email")).toEqual([]);
  });

  it("refuses every scope of a client registered with none", () => {
    expect(scopesNotAllowed("openid", undefined)).toEqual(["openid"]);
  });
});

describe("invalidScopeDescription", () => {
  it("names the scopes and the client", () => {
    expect(invalidScopeDescription(["nope"], "sandbox-web")).toBe(
      "Scope 'nope' is not allowed for client sandbox-web.",
    );
    expect(invalidScopeDescription(["a", "b"], "sandbox-web")).toBe(
      "Scopes 'a', 'b' are not allowed for client sandbox-web.",
    );
  });
});
