import { describe, expect, it } from "vitest";
import { GatehouseError } from "../errors.ts";
import { getPreset, isProviderId, listPresets, normalizeScopes, presetForBaseUrl } from "./index.ts";

const urlFields = ["authorizationUrl", "tokenUrl", "revocationUrl", "introspectionUrl", "issuer"] as const;

describe("presets", () => {
  it("lists the four presets, generic first", () => {
    expect(listPresets().map((p) => p.id)).toEqual([
      "generic",
      "bentley-itwin",
      "autodesk-aps",
      "seequent-evo",
    ]);
  });

  it.each(listPresets().map((p) => [p.id, p] as const))(
    "%s has every field the contract serves",
    (_id, preset) => {
      expect(preset.displayName).not.toBe("");
      for (const field of urlFields) expect(typeof preset.defaults[field]).toBe("string");
      expect(["client_secret_basic", "client_secret_post", "none"]).toContain(
        preset.defaults.tokenEndpointAuthMethod,
      );
      expect(preset.scopeCatalog.length).toBeGreaterThan(0);
      for (const entry of preset.scopeCatalog) {
        expect(entry.scope).toMatch(/^\S+$/);
        expect(entry.description.length).toBeGreaterThan(5);
        expect(entry.description).not.toContain("\n");
      }
      expect(preset.grantTypes).toContain("authorization_code");
      expect(new URL(preset.docsUrl).protocol).toBe("https:");
      expect(typeof preset.quirks.singleUseRefreshTokens).toBe("boolean");
      expect(typeof preset.quirks.issuesIssInAuthResponse).toBe("boolean");
      expect(preset.quirks.revocationDiscoveryField).toMatch(/^[a-z_]+$/);
    },
  );

  it.each(["bentley-itwin", "autodesk-aps", "seequent-evo"])(
    "%s: real https URLs, default scopes from its catalogue",
    (id) => {
      const preset = getPreset(id);
      for (const field of urlFields) expect(new URL(preset.defaults[field]).protocol).toBe("https:");
      const catalogue = preset.scopeCatalog.map((s) => s.scope);
      for (const scope of preset.defaults.scopes) expect(catalogue).toContain(scope);
      for (const base of preset.apiBaseUrls) expect(base).toMatch(/^https:\/\/(\*\.)?[a-z0-9.-]+$/);
      expect(preset.apiBaseUrls.length).toBeGreaterThan(0);
    },
  );

  it("carries the platform facts", () => {
    const bentley = getPreset("bentley-itwin");
    expect(bentley.defaults.tokenUrl).toBe("https://ims.bentley.com/connect/token");
    expect(bentley.defaults.scopes).toEqual(["itwin-platform", "offline_access"]);
    expect(bentley.quirks.refreshTokenScope).toBe("offline_access");
    expect(bentley.quirks.serviceForbiddenScopes).toEqual(["openid", "email", "profile", "organization"]);
    const aps = getPreset("autodesk-aps");
    expect(aps.defaults.revocationUrl).toBe("https://developer.api.autodesk.com/authentication/v2/revoke");
    expect(aps.quirks.revocationDiscoveryField).toBe("revoke_endpoint");
    expect(aps.quirks.refreshTokenScope).toBeNull();
    expect(aps.quirks.singleUseRefreshTokens).toBe(true);
    const evo = getPreset("seequent-evo");
    expect(evo.defaults.issuer).toBe("https://ims.bentley.com");
    expect(evo.quirks.alwaysRequiredScopes).toEqual(["evo.discovery", "evo.workspace"]);
    expect(evo.apiBaseUrls).toEqual(["https://discover.api.seequent.com", "https://*.api.seequent.com"]);
    expect(getPreset("generic").defaults.tokenUrl).toBe("");
  });

  it("refuses an unknown id with a stable code, and the data cannot be changed by a caller", () => {
    expect(isProviderId("bentley-itwin")).toBe(true);
    expect(isProviderId("github")).toBe(false);
    expect(() => getPreset("github")).toThrow(
      expect.objectContaining({ code: "unknown_provider", status: 400 }),
    );
    expect(() => getPreset("github")).toThrow(GatehouseError);
    expect(() => getPreset("bentley-itwin").defaults.scopes.push("x")).toThrow(TypeError);
  });
});

describe("presetForBaseUrl", () => {
  it("moves every authorization-server URL and the issuer to the base, keeping paths", () => {
    const moved = presetForBaseUrl(getPreset("autodesk-aps"), "http://127.0.0.1:8092");
    expect(moved.defaults).toMatchObject({
      authorizationUrl: "http://127.0.0.1:8092/authentication/v2/authorize",
      tokenUrl: "http://127.0.0.1:8092/authentication/v2/token",
      revocationUrl: "http://127.0.0.1:8092/authentication/v2/revoke",
      introspectionUrl: "http://127.0.0.1:8092/authentication/v2/introspect",
      issuer: "http://127.0.0.1:8092",
    });
    // What the sandbox maps from stays the real host; everything else is unchanged.
    expect(moved.apiBaseUrls).toEqual(getPreset("autodesk-aps").apiBaseUrls);
    expect(moved.defaults.scopes).toEqual(getPreset("autodesk-aps").defaults.scopes);
    expect(moved.quirks).toEqual(getPreset("autodesk-aps").quirks);
    expect(getPreset("autodesk-aps").defaults.tokenUrl).toBe(
      "https://developer.api.autodesk.com/authentication/v2/token",
    );
  });

  it("keeps a path prefix on the base and ignores its trailing slash", () => {
    const moved = presetForBaseUrl(getPreset("bentley-itwin"), "http://127.0.0.1:9000/ims/");
    expect(moved.defaults.tokenUrl).toBe("http://127.0.0.1:9000/ims/connect/token");
    expect(moved.defaults.issuer).toBe("http://127.0.0.1:9000/ims");
  });

  it("leaves generic's empty URLs empty and refuses a base that is not an http(s) URL", () => {
    expect(presetForBaseUrl(getPreset("generic"), "http://127.0.0.1:1").defaults.tokenUrl).toBe("");
    expect(() => presetForBaseUrl(getPreset("generic"), "127.0.0.1:1")).toThrow(
      expect.objectContaining({ code: "invalid_base_url" }),
    );
    expect(() => presetForBaseUrl(getPreset("generic"), "ftp://x")).toThrow(
      expect.objectContaining({ code: "invalid_base_url" }),
    );
  });
});

describe("normalizeScopes", () => {
  it("adds the always-required scopes after the given ones, once", () => {
    const evo = getPreset("seequent-evo");
    expect(normalizeScopes(evo, ["evo.object", "evo.workspace"], "authorization_code")).toEqual([
      "evo.object",
      "evo.workspace",
      "evo.discovery",
    ]);
  });

  it("drops the scopes a service may not ask for, and the refresh-token scope, for client credentials only", () => {
    const bentley = getPreset("bentley-itwin");
    const asked = ["itwin-platform", "openid", "profile", "offline_access", "email", "organization"];
    expect(normalizeScopes(bentley, asked, "client_credentials")).toEqual(["itwin-platform"]);
    expect(normalizeScopes(bentley, asked, "authorization_code")).toEqual(asked);
  });

  it("removes blanks and duplicates and does nothing else for a preset without quirks", () => {
    expect(normalizeScopes(getPreset("generic"), [" a ", "b", "", "a"], "client_credentials")).toEqual([
      "a",
      "b",
    ]);
  });
});
