// The OAuth engine and the presets against the provider emulators, over real HTTP: each preset's full
// authorization-code flow with a seeded user (driving the emulator's own login and consent forms), then
// every wrong input the engine must turn into its typed error.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import {
  buildAuthorizationUrl,
  clientCredentials,
  discover,
  exchangeCode,
  introspectToken,
  refreshTokens,
  revokeToken,
  validateCallback,
  type AuthorizationRequest,
  type OAuthClientConfig,
} from "../../src/oauth/index.ts";
import { getPreset, normalizeScopes, presetForBaseUrl, type ProviderId } from "../../src/providers/index.ts";
import { signInAtEmulator } from "../helpers/browser.ts";
import { rejectedOAuthError, thrownOAuthError } from "../helpers/oauthErrors.ts";

const REDIRECT_URI = "http://127.0.0.1:41999/api/integrations/oauth2/callback/";
const ALICE = { email: "alice@example.com", password: "sandbox" };

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ host: "127.0.0.1", ports: [0, 0, 0], webRedirectUris: [REDIRECT_URI] });
});
afterAll(async () => {
  await emulators?.close();
});

interface PresetCase {
  id: ProviderId;
  /** The emulator that issues this preset's tokens (Seequent's come from Bentley IMS). */
  authBase: () => string;
  /** Calls one API of the preset's emulator and checks alice's seeded data is there. */
  seeAliceData: (accessToken: string) => Promise<void>;
}

async function getJson(url: string, accessToken: string, accept = "application/json"): Promise<unknown> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${accessToken}`, accept },
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, `GET ${url}`).toBe(200);
  return response.json();
}

const presetCases: PresetCase[] = [
  {
    id: "bentley-itwin",
    authBase: () => emulators.bentley.url,
    seeAliceData: async (token) => {
      const body = (await getJson(
        `${emulators.bentley.url}/itwins/?subClass=Project`,
        token,
        "application/vnd.bentley.itwin-platform.v1+json",
      )) as { iTwins: { id: string; displayName: string }[] };
      expect(body.iTwins.length).toBeGreaterThan(0);
      expect(typeof body.iTwins[0]?.displayName).toBe("string");
    },
  },
  {
    id: "autodesk-aps",
    authBase: () => emulators.autodesk.url,
    seeAliceData: async (token) => {
      const body = (await getJson(`${emulators.autodesk.url}/project/v1/hubs`, token)) as {
        data: { type: string; id: string }[];
      };
      expect(body.data.length).toBeGreaterThan(0);
      expect(body.data[0]?.type).toBe("hubs");
    },
  },
  {
    id: "seequent-evo",
    authBase: () => emulators.bentley.url,
    seeAliceData: async (token) => {
      const body = (await getJson(
        `${emulators.seequent.url}/evo/identity/v2/discovery?service=evo`,
        token,
      )) as {
        discovery: { organizations: { id: string }[] };
      };
      expect(body.discovery.organizations.length).toBeGreaterThan(0);
    },
  },
];

function configFor(
  id: ProviderId,
  authBase: string,
  client: "sandbox-web" | "sandbox-native" | "sandbox-service",
): OAuthClientConfig {
  const { defaults } = presetForBaseUrl(getPreset(id), authBase);
  const secrets = {
    "sandbox-web": "sandbox-web-secret",
    "sandbox-service": "sandbox-service-secret",
  } as const;
  return {
    issuer: defaults.issuer,
    authorizationUrl: defaults.authorizationUrl,
    tokenUrl: defaults.tokenUrl,
    revocationUrl: defaults.revocationUrl,
    introspectionUrl: defaults.introspectionUrl,
    clientId: client,
    clientSecret: client === "sandbox-native" ? null : secrets[client],
    tokenEndpointAuthMethod: client === "sandbox-native" ? "none" : defaults.tokenEndpointAuthMethod,
    allowInsecureHttp: true,
    timeoutMs: 10_000,
  };
}

function userScopes(id: ProviderId): string[] {
  const preset = getPreset(id);
  return normalizeScopes(preset, preset.defaults.scopes, "authorization_code");
}

/** Starts an authorization and signs alice in at the emulator: the callback URL the browser would land on. */
async function authorize(
  cfg: OAuthClientConfig,
  scopes: string[],
  redirectUri = REDIRECT_URI,
): Promise<{ start: AuthorizationRequest; callbackUrl: URL }> {
  const start = await buildAuthorizationUrl(cfg, { redirectUri, scopes });
  const { finalUrl } = await signInAtEmulator(start.url, ALICE);
  return { start, callbackUrl: new URL(finalUrl) };
}

describe.each(presetCases)("$id against its emulator", ({ id, authBase, seeAliceData }) => {
  it("authorization code + PKCE, API call, refresh; the used refresh token is then refused", async () => {
    const cfg = configFor(id, authBase(), "sandbox-web");
    const scopes = userScopes(id);
    const { start, callbackUrl } = await authorize(cfg, scopes);
    const params = validateCallback(cfg, callbackUrl, start.state);
    const tokens = await exchangeCode(cfg, params, {
      redirectUri: REDIRECT_URI,
      codeVerifier: start.codeVerifier,
      scopes,
    });
    expect(tokens.tokenType).toBe("Bearer");
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    for (const scope of scopes.filter((s) => s !== "offline_access")) expect(tokens.scopes).toContain(scope);
    await seeAliceData(tokens.accessToken);

    const refreshed = await refreshTokens(cfg, tokens.refreshToken!, { fallbackScopes: tokens.scopes });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBeTruthy();
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    await seeAliceData(refreshed.accessToken);

    const reused = await rejectedOAuthError(refreshTokens(cfg, tokens.refreshToken!));
    expect(reused.code).toBe("invalid_grant");
  });

  it("revocation: the revoked refresh token introspects inactive and is refused", async () => {
    // oidc-provider cannot introspect its JWT access tokens, so introspection is shown on the refresh token.
    const cfg = configFor(id, authBase(), "sandbox-web");
    const scopes = userScopes(id);
    const { start, callbackUrl } = await authorize(cfg, scopes);
    const tokens = await exchangeCode(cfg, validateCallback(cfg, callbackUrl, start.state), {
      redirectUri: REDIRECT_URI,
      codeVerifier: start.codeVerifier,
    });
    const refreshToken = tokens.refreshToken!;
    expect(await introspectToken(cfg, refreshToken, "refresh_token")).toMatchObject({
      active: true,
      client_id: "sandbox-web",
    });
    await revokeToken(cfg, refreshToken, "refresh_token");
    expect(await introspectToken(cfg, refreshToken, "refresh_token")).toEqual({ active: false });
    expect((await rejectedOAuthError(refreshTokens(cfg, refreshToken))).code).toBe("invalid_grant");
  });

  it("client credentials with sandbox-service", async () => {
    const cfg = configFor(id, authBase(), "sandbox-service");
    const scopes = normalizeScopes(getPreset(id), getPreset(id).defaults.scopes, "client_credentials");
    const tokens = await clientCredentials(cfg, { scopes });
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.refreshToken).toBeNull();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    for (const scope of scopes) expect(tokens.scopes).toContain(scope);
    // The app acts as itself: the token names the service client, and no user.
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ client_id: "sandbox-service" });
  });
});

// Seequent signs in at the Bentley IMS emulator, so two authorization servers cover the error cases.
describe.each(presetCases.filter((c) => c.id !== "seequent-evo"))("$id: wrong inputs", ({ id, authBase }) => {
  const cfg = () => configFor(id, authBase(), "sandbox-web");

  it("a wrong state, and a callback replayed into another flow, are state_mismatch", async () => {
    const first = await authorize(cfg(), userScopes(id));
    const second = await buildAuthorizationUrl(cfg(), { redirectUri: REDIRECT_URI, scopes: userScopes(id) });
    expect(thrownOAuthError(() => validateCallback(cfg(), first.callbackUrl, "not-the-state")).code).toBe(
      "state_mismatch",
    );
    expect(thrownOAuthError(() => validateCallback(cfg(), first.callbackUrl, second.state)).code).toBe(
      "state_mismatch",
    );
  });

  it("a code used twice is invalid_grant", async () => {
    const { start, callbackUrl } = await authorize(cfg(), userScopes(id));
    const params = validateCallback(cfg(), callbackUrl, start.state);
    const options = { redirectUri: REDIRECT_URI, codeVerifier: start.codeVerifier };
    await exchangeCode(cfg(), params, options);
    expect((await rejectedOAuthError(exchangeCode(cfg(), params, options))).code).toBe("invalid_grant");
  });

  it("an expired code is invalid_grant", async () => {
    const emulator = id === "autodesk-aps" ? emulators.autodesk : emulators.bentley;
    emulator.knobs.set({ authorizationCodeLifetimeSeconds: 1 });
    try {
      const { start, callbackUrl } = await authorize(cfg(), userScopes(id));
      const params = validateCallback(cfg(), callbackUrl, start.state);
      // The code's second passes on the emulator's clock (the knob), not by waiting for it.
      emulator.knobs.set({ clockAheadSeconds: 2 });
      const options = { redirectUri: REDIRECT_URI, codeVerifier: start.codeVerifier };
      expect((await rejectedOAuthError(exchangeCode(cfg(), params, options))).code).toBe("invalid_grant");
    } finally {
      emulator.knobs.set({ authorizationCodeLifetimeSeconds: null, clockAheadSeconds: 0 });
    }
  });

  it("an iss other than the issuer is issuer_mismatch", async () => {
    const { start, callbackUrl } = await authorize(cfg(), userScopes(id));
    expect(callbackUrl.searchParams.get("iss")).toBe(cfg().issuer);
    const forged = new URL(callbackUrl);
    forged.searchParams.set("iss", "http://127.0.0.1:1");
    expect(thrownOAuthError(() => validateCallback(cfg(), forged, start.state)).code).toBe("issuer_mismatch");
    const otherIssuer = { ...cfg(), issuer: `${authBase()}/other` };
    expect(thrownOAuthError(() => validateCallback(otherIssuer, callbackUrl, start.state)).code).toBe(
      "issuer_mismatch",
    );
  });

  it("a redirect URI differing by one character at the exchange is invalid_grant", async () => {
    const { start, callbackUrl } = await authorize(cfg(), userScopes(id));
    const params = validateCallback(cfg(), callbackUrl, start.state);
    const err = await rejectedOAuthError(
      exchangeCode(cfg(), params, {
        redirectUri: REDIRECT_URI.slice(0, -1),
        codeVerifier: start.codeVerifier,
      }),
    );
    expect(err.code).toBe("invalid_grant");
  });

  it("a wrong or missing PKCE verifier is invalid_grant", async () => {
    for (const codeVerifier of ["x".repeat(43), null]) {
      const { start, callbackUrl } = await authorize(cfg(), userScopes(id));
      const params = validateCallback(cfg(), callbackUrl, start.state);
      const err = await rejectedOAuthError(
        exchangeCode(cfg(), params, { redirectUri: REDIRECT_URI, codeVerifier }),
      );
      expect(err.code).toBe("invalid_grant");
    }
  });

  it("a bad client secret is invalid_client", async () => {
    const { start, callbackUrl } = await authorize(cfg(), userScopes(id));
    const params = validateCallback(cfg(), callbackUrl, start.state);
    const wrongSecret = { ...cfg(), clientSecret: "not-the-secret" };
    const err = await rejectedOAuthError(
      exchangeCode(wrongSecret, params, { redirectUri: REDIRECT_URI, codeVerifier: start.codeVerifier }),
    );
    expect(err.code).toBe("invalid_client");
    expect(
      (
        await rejectedOAuthError(
          clientCredentials(
            { ...configFor(id, authBase(), "sandbox-service"), clientSecret: "nope" },
            { scopes: [] },
          ),
        )
      ).code,
    ).toBe("invalid_client");
  });

  it("a user who denies consent is access_denied, with the provider's description", async () => {
    const start = await buildAuthorizationUrl(cfg(), { redirectUri: REDIRECT_URI, scopes: userScopes(id) });
    const { finalUrl } = await signInAtEmulator(start.url, { ...ALICE, consent: false });
    const err = thrownOAuthError(() => validateCallback(cfg(), new URL(finalUrl), start.state));
    expect(err).toMatchObject({
      code: "access_denied",
      status: 403,
      details: { providerError: "access_denied" },
    });
  });

  it("a public native client signs in with PKCE and no secret", async () => {
    const native = configFor(id, authBase(), "sandbox-native");
    const redirectUri = "http://127.0.0.1:53123/signin-callback";
    const { start, callbackUrl } = await authorize(native, userScopes(id), redirectUri);
    const tokens = await exchangeCode(native, validateCallback(native, callbackUrl, start.state), {
      redirectUri,
      codeVerifier: start.codeVerifier,
    });
    expect(tokens.accessToken).toBeTruthy();
  });
});

describe("discovery at the emulators agrees with the presets", () => {
  it.each([
    ["bentley-itwin", () => emulators.bentley.url],
    ["autodesk-aps", () => emulators.autodesk.url],
  ] as const)("%s", async (id, base) => {
    const preset = presetForBaseUrl(getPreset(id), base());
    const found = await discover(preset.defaults.issuer, {
      allowInsecureHttp: true,
      revocationDiscoveryField: preset.quirks.revocationDiscoveryField,
    });
    expect(found).toMatchObject({
      issuer: preset.defaults.issuer,
      authorizationUrl: preset.defaults.authorizationUrl,
      tokenUrl: preset.defaults.tokenUrl,
      revocationUrl: preset.defaults.revocationUrl,
      introspectionUrl: preset.defaults.introspectionUrl,
    });
  });
});

describe("an emulator's token endpoint misbehaving on purpose", () => {
  const service = () => configFor("bentley-itwin", emulators.bentley.url, "sandbox-service");
  const scopes = ["itwin-platform"];
  afterAll(() => {
    emulators?.bentley.knobs.reset();
  });

  it("503 is provider_unavailable", async () => {
    emulators.bentley.knobs.set({ failure: { target: "token", kind: "5xx", status: 503, count: 1 } });
    const err = await rejectedOAuthError(clientCredentials(service(), { scopes }));
    expect(err).toMatchObject({
      code: "provider_unavailable",
      status: 503,
      details: { providerStatus: 503 },
    });
  });

  it("429 is provider_unavailable with the Retry-After seconds", async () => {
    emulators.bentley.knobs.set({
      failure: { target: "token", kind: "429", retryAfterSeconds: 5, count: 1 },
    });
    const err = await rejectedOAuthError(clientCredentials(service(), { scopes }));
    expect(err).toMatchObject({
      code: "provider_unavailable",
      details: { providerStatus: 429, retryAfterSeconds: 5 },
    });
  });

  it("a hanging token endpoint is provider_unavailable after the timeout", async () => {
    emulators.bentley.knobs.set({ failure: { target: "token", kind: "hang", count: 1 } });
    const err = await rejectedOAuthError(clientCredentials({ ...service(), timeoutMs: 300 }, { scopes }));
    expect(err).toMatchObject({ code: "provider_unavailable", details: { reason: "timeout" } });
  });

  it("a reset connection is provider_unavailable", async () => {
    emulators.bentley.knobs.set({ failure: { target: "token", kind: "reset", count: 1 } });
    const err = await rejectedOAuthError(clientCredentials(service(), { scopes }));
    expect(err).toMatchObject({ code: "provider_unavailable", details: { reason: "network" } });
  });

  it("works again once the failure is used up", async () => {
    emulators.bentley.knobs.set({ failure: { target: "token", kind: "5xx", count: 1 } });
    await rejectedOAuthError(clientCredentials(service(), { scopes }));
    expect((await clientCredentials(service(), { scopes })).accessToken).toBeTruthy();
  });
});
