import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.ts";
import { loadOidcConfig, parseRoleMapping } from "./oidc.ts";

const ISSUER = "https://login.example.com/tenant/v2.0";

function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadOidcConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("accepted a bad configuration");
}

describe("OpenID Connect settings", () => {
  it("is off without GATEHOUSE_OIDC_ISSUER, with the defaults once it is set", () => {
    expect(loadOidcConfig({})).toBeNull();
    expect(loadOidcConfig({ GATEHOUSE_OIDC_ISSUER: ISSUER, GATEHOUSE_OIDC_CLIENT_ID: "hub" })).toEqual({
      issuer: ISSUER,
      clientId: "hub",
      clientSecret: null,
      scopes: ["openid", "email", "profile"],
      rolesClaim: "groups",
      roles: null,
      name: "login.example.com",
      linkByEmail: false,
    });
  });

  it("reads every variable; openid is always asked for", () => {
    const config = loadOidcConfig({
      GATEHOUSE_OIDC_ISSUER: ISSUER,
      GATEHOUSE_OIDC_CLIENT_ID: "hub",
      GATEHOUSE_OIDC_CLIENT_SECRET: "s3cret",
      GATEHOUSE_OIDC_SCOPES: "email profile offline_access",
      GATEHOUSE_OIDC_ROLES_CLAIM: "roles",
      GATEHOUSE_OIDC_ROLES: "admin=Gatehouse.Admin;developer=Engineers,Contractors",
      GATEHOUSE_OIDC_NAME: "Contoso",
      GATEHOUSE_OIDC_LINK_BY_EMAIL: "true",
    });
    expect(config).toMatchObject({
      clientSecret: "s3cret",
      scopes: ["openid", "email", "profile", "offline_access"],
      rolesClaim: "roles",
      roles: { admin: ["Gatehouse.Admin"], developer: ["Engineers", "Contractors"] },
      name: "Contoso",
      linkByEmail: true,
    });
  });

  it("parses role mappings and refuses what it cannot read", () => {
    expect(parseRoleMapping("admin=a@example.com;developer=b@example.com")).toEqual({
      admin: ["a@example.com"],
      developer: ["b@example.com"],
    });
    expect(() => parseRoleMapping("root=x")).toThrow(/not admin=/);
    expect(() => parseRoleMapping("admin=")).toThrow(/names no value/);
    expect(() => parseRoleMapping(";")).toThrow(/maps no role/);
  });

  it("names the variable that is wrong, and never echoes the secret", () => {
    expect(refusal({ GATEHOUSE_OIDC_CLIENT_ID: "hub" }).variable).toBe("GATEHOUSE_OIDC_ISSUER");
    expect(refusal({ GATEHOUSE_OIDC_ISSUER: ISSUER }).variable).toBe("GATEHOUSE_OIDC_CLIENT_ID");
    expect(
      refusal({ GATEHOUSE_OIDC_ISSUER: "http://idp.example.com", GATEHOUSE_OIDC_CLIENT_ID: "x" }).message,
    ).toMatch(/must use https/);
    const roles = refusal({
      GATEHOUSE_OIDC_ISSUER: ISSUER,
      GATEHOUSE_OIDC_CLIENT_ID: "x",
      GATEHOUSE_OIDC_ROLES: "boss=y",
    });
    expect(roles.variable).toBe("GATEHOUSE_OIDC_ROLES");
    const secret = refusal({ GATEHOUSE_OIDC_CLIENT_SECRET: "do-not-print" });
    expect(secret.message).not.toContain("do-not-print");
    // Plain http is for this machine only (the tests' and the sandbox's providers).
    expect(
      loadOidcConfig({ GATEHOUSE_OIDC_ISSUER: "http://127.0.0.1:9000", GATEHOUSE_OIDC_CLIENT_ID: "x" })
        ?.issuer,
    ).toBe("http://127.0.0.1:9000");
  });

  it("refuses to turn passwords off with no identity provider, outside the sandbox", () => {
    expect(() => loadConfig({ GATEHOUSE_LOCAL_LOGIN: "false" })).toThrow(/GATEHOUSE_LOCAL_LOGIN/);
    expect(loadConfig({ GATEHOUSE_LOCAL_LOGIN: "false", GATEHOUSE_SANDBOX: "true" }).localLogin).toBe(false);
    expect(loadConfig({}).localLogin).toBe(true);
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(loadConfig({ GATEHOUSE_AUDIT_RETENTION_DAYS: "30" }).auditRetentionDays).toBe(30);
  });
});
