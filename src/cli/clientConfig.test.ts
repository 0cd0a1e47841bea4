import { describe, expect, it } from "vitest";
import { getPreset } from "../providers/index.ts";
import { CliError } from "./cliError.ts";
import { checkIssuer, parseScopes, requestedScopes, requirePreset, resolveClient } from "./clientConfig.ts";

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return (err as CliError).exitCode;
  }
  throw new Error("expected a usage error");
};

describe("parseScopes", () => {
  it("splits on spaces and commas and drops blanks", () => {
    expect(parseScopes("a b,c ,, d")).toEqual(["a", "b", "c", "d"]);
    expect(parseScopes(undefined)).toBeUndefined();
  });
});

describe("checkIssuer", () => {
  it("accepts https anywhere and http on loopback only; trims a trailing slash", () => {
    expect(checkIssuer("https://ims.bentley.com/")).toBe("https://ims.bentley.com");
    expect(checkIssuer("http://127.0.0.1:8091")).toBe("http://127.0.0.1:8091");
    expect(checkIssuer("http://localhost:8091/")).toBe("http://localhost:8091");
    expect(checkIssuer("http://[::1]:8091")).toBe("http://[::1]:8091");
    expect(usage(() => checkIssuer("http://ims.example.com"))).toBe(2);
    expect(usage(() => checkIssuer("ftp://x"))).toBe(2);
    expect(usage(() => checkIssuer("not a url"))).toBe(2);
    expect(usage(() => checkIssuer("https://x/?a=1"))).toBe(2);
  });

  it("does not echo credentials, a query or a fragment of a refused issuer", () => {
    for (const issuer of [
      "https://user:s3cret-pw@ims.example.com/",
      "https://ims.example.com/?token=s3cret-pw",
      "https://ims.example.com/#s3cret-pw",
      "http://user:s3cret-pw@ims.example.com/",
      "ftp://user:s3cret-pw@ims.example.com/",
    ]) {
      expect(() => checkIssuer(issuer)).toThrow(/ims\.example\.com/);
      expect(() => checkIssuer(issuer)).not.toThrow(/s3cret-pw/);
    }
  });
});

describe("requestedScopes", () => {
  it("adds offline_access for a sign-in where the preset needs it, and drops it for a service", () => {
    const bentley = getPreset("bentley-itwin");
    expect(requestedScopes(bentley, "itwin-platform", "authorization_code")).toEqual([
      "itwin-platform",
      "offline_access",
    ]);
    expect(requestedScopes(bentley, undefined, "client_credentials")).toEqual(["itwin-platform"]);
    expect(requestedScopes(getPreset("seequent-evo"), "evo.object", "authorization_code")).toEqual([
      "evo.object",
      "evo.discovery",
      "evo.workspace",
      "offline_access",
    ]);
    expect(requestedScopes(getPreset("generic"), "read", "authorization_code")).toEqual(["read"]);
  });
});

describe("requirePreset / resolveClient", () => {
  it("names the presets for an unknown provider; generic when only an issuer is given", () => {
    expect(usage(() => requirePreset("nope", undefined))).toBe(2);
    expect(usage(() => requirePreset(undefined, undefined))).toBe(2);
    expect(requirePreset(undefined, "https://x").id).toBe("generic");
  });

  it("moves a preset to --issuer, as a public client for sign-ins", async () => {
    const client = await resolveClient(
      { provider: "bentley-itwin", clientId: "native", issuer: "http://127.0.0.1:8091/" },
      "authorization_code",
      "login",
    );
    expect(client.issuer).toBe("http://127.0.0.1:8091");
    expect(client.oauth).toMatchObject({
      tokenUrl: "http://127.0.0.1:8091/connect/token",
      authorizationUrl: "http://127.0.0.1:8091/connect/authorize",
      tokenEndpointAuthMethod: "none",
      allowInsecureHttp: true,
      clientId: "native",
    });
    const real = await resolveClient(
      { provider: "autodesk-aps", clientId: "svc" },
      "client_credentials",
      "token",
      "s",
    );
    expect(real.oauth.tokenEndpointAuthMethod).not.toBe("none");
    expect(real.oauth.tokenUrl).toMatch(/^https:\/\//);
    await expect(
      resolveClient({ provider: "bentley-itwin" }, "authorization_code", "login"),
    ).rejects.toMatchObject({
      exitCode: 2,
    });
  });
});
