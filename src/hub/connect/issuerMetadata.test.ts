import { describe, expect, it } from "vitest";
import type { DiscoveredEndpoints, DiscoverOptions } from "../../oauth/index.ts";
import { IssuerMetadata } from "./issuerMetadata.ts";

const ISSUER = "https://idp.example.com";

function endpoints(requireIss: boolean): DiscoveredEndpoints {
  return {
    issuer: ISSUER,
    authorizationUrl: `${ISSUER}/authorize`,
    tokenUrl: `${ISSUER}/token`,
    revocationUrl: null,
    introspectionUrl: null,
    userinfoUrl: null,
    requireIssInAuthResponse: requireIss,
  };
}

function harness(answer: (options: DiscoverOptions) => DiscoveredEndpoints) {
  let now = 1_000_000;
  const calls: DiscoverOptions[] = [];
  const warnings: string[] = [];
  const metadata = new IssuerMetadata({
    now: () => now,
    discover: async (_issuer, options) => {
      calls.push(options);
      return answer(options);
    },
    log: { warn: (_fields, message) => warnings.push(message) },
  });
  return { metadata, calls, warnings, advance: (ms: number) => (now += ms) };
}

describe("IssuerMetadata", () => {
  it("reports what the provider's OpenID configuration says about iss, and caches it for an hour", async () => {
    const h = harness(() => endpoints(true));
    expect(await h.metadata.facts(ISSUER, false)).toEqual({ requireIssInAuthResponse: true });
    expect(await h.metadata.facts(ISSUER, false)).toEqual({ requireIssInAuthResponse: true });
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]).toMatchObject({ algorithm: "oidc", allowInsecureHttp: false, timeoutMs: 3000 });
    h.advance(3_600_001);
    await h.metadata.facts(ISSUER, false);
    expect(h.calls).toHaveLength(2);
  });

  it("falls back to RFC 8414 metadata when there is no OpenID configuration", async () => {
    const h = harness((options) => {
      if (options.algorithm === "oidc") throw new Error("404");
      return endpoints(true);
    });
    expect(await h.metadata.facts(ISSUER, false)).toEqual({ requireIssInAuthResponse: true });
    expect(h.calls.map((c) => c.algorithm)).toEqual(["oidc", "oauth2"]);
  });

  it("learns nothing when neither document answers, says so, and asks again only after 5 minutes", async () => {
    const h = harness(() => {
      throw new Error("unreachable");
    });
    expect(await h.metadata.facts(ISSUER, false)).toBeNull();
    expect(h.warnings).toHaveLength(1);
    await h.metadata.facts(ISSUER, false);
    expect(h.calls).toHaveLength(2);
    h.advance(300_001);
    await h.metadata.facts(ISSUER, false);
    expect(h.calls).toHaveLength(4);
  });

  it("keeps http and https lookups apart (plain http only where the integration allows it)", async () => {
    const h = harness((options) => endpoints(options.allowInsecureHttp === true));
    expect((await h.metadata.facts(ISSUER, true))?.requireIssInAuthResponse).toBe(true);
    expect((await h.metadata.facts(ISSUER, false))?.requireIssInAuthResponse).toBe(false);
  });
});
