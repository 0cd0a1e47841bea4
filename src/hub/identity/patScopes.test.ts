import { describe, expect, it } from "vitest";
import { GatehouseError } from "../../errors.ts";
import { checkPatRequest, type PatGrant } from "./patScopes.ts";

const grant = (over: Partial<PatGrant> = {}): PatGrant => ({
  id: "t1",
  scopes: ["tokens:read", "apps:run"],
  apps: null,
  expiresAt: Date.now() + 1000,
  ...over,
});

/** The refusal's code for `method route` with `params`, or null when allowed. */
function refusal(
  g: PatGrant,
  method: string,
  route: string | undefined,
  params: Record<string, string> = {},
) {
  try {
    checkPatRequest(g, { method, params, routeOptions: { url: route } });
    return null;
  } catch (err) {
    if (err instanceof GatehouseError) return err.code;
    throw err;
  }
}

describe("checkPatRequest", () => {
  it("lets any token ask who it is, and keeps token management to sessions", () => {
    expect(refusal(grant({ scopes: ["apps:run"] }), "GET", "/api/me")).toBeNull();
    expect(refusal(grant({ scopes: ["admin"] }), "HEAD", "/api/me")).toBeNull();
    for (const [method, route] of [
      ["POST", "/api/me/tokens"],
      ["GET", "/api/me/tokens"],
      ["DELETE", "/api/me/tokens/:id"],
    ]) {
      expect(refusal(grant({ scopes: ["tokens:read", "apps:run", "admin"] }), method!, route)).toBe(
        "session_only",
      );
    }
  });

  it("needs the route's scope, and admin for the admin API", () => {
    expect(refusal(grant({ scopes: ["apps:run"] }), "GET", "/api/me/connections")).toBe("insufficient_scope");
    expect(refusal(grant({ scopes: ["tokens:read"] }), "GET", "/api/me/connections")).toBeNull();
    expect(refusal(grant(), "GET", "/api/admin/users")).toBe("insufficient_scope");
    expect(refusal(grant({ scopes: ["admin"] }), "PATCH", "/api/admin/users/:id")).toBeNull();
  });

  it("closes unlisted API routes to tokens, and leaves unmatched ones to the not-found handler", () => {
    expect(refusal(grant({ scopes: ["tokens:read", "apps:run", "admin"] }), "POST", "/api/auth/logout")).toBe(
      "insufficient_scope",
    );
    expect(refusal(grant(), "GET", undefined)).toBeNull();
    expect(refusal(grant(), "GET", "/healthz")).toBeNull();
  });

  it("keeps a token limited to apps to those apps", () => {
    const limited = grant({ apps: ["itwin-browser"] });
    const route = "/api/apps/:app/integrations/:name/token";
    expect(refusal(limited, "GET", route, { app: "itwin-browser", name: "bentley-itwin" })).toBeNull();
    expect(refusal(limited, "GET", route, { app: "acc-hubs", name: "autodesk-aps" })).toBe(
      "insufficient_scope",
    );
    expect(refusal(limited, "POST", "/api/apps/:app/views/:view", { app: "acc-hubs", view: "x" })).toBe(
      "insufficient_scope",
    );
  });
});
