// What the platforms' gateways and authorization servers do that the emulators must do too, over real
// HTTP on the composed emulators: repeated slashes in any path (the authorization server's routes too),
// each platform's own 404 body outside its routes, IMS's invalid_scope for scopes the client does not
// have, the documented APS scopes, APS userinfo (and its host mapping), IMS userinfo by scope.
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiHostMap } from "../src/apps/hostMap.ts";
import { startEmulators, type Emulator, type Emulators } from "../src/emulators/index.ts";
import { AUTODESK_API_SCOPES } from "../src/emulators/autodesk/authServer.ts";
import { EVO_ORG_ID } from "../src/emulators/shared/seedSeequent.ts";
import { getPreset } from "../src/providers/index.ts";
import { signInAtEmulator } from "./helpers/browser.ts";
import {
  AUTODESK_PATHS,
  BENTLEY_PATHS,
  SERVICE_CLIENT,
  basic,
  pkce,
  postForm,
  serviceToken,
  webCodeFlow,
} from "./helpers/emulatorOAuth.ts";

const REDIRECT = "http://127.0.0.1:45003/callback";
const ALICE = "alice@example.com";
const ALICE_ID = "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e01";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: [REDIRECT] });
});
afterAll(async () => {
  await emulators?.close();
});

/** `path` with every slash doubled (the query untouched). */
const doubled = (path: string) => {
  const [p, q] = path.split("?");
  return `${p!.replaceAll("/", "//")}${q === undefined ? "" : `?${q}`}`;
};

async function get(base: string, path: string, token?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type") ?? "", text };
}

describe("repeated slashes in a path", () => {
  let bentleyToken: string;
  let apsUserToken: string;
  let evoToken: string;
  beforeAll(async () => {
    bentleyToken = (await serviceToken(emulators.bentley.url, BENTLEY_PATHS, "itwin-platform")).access_token;
    evoToken = (await serviceToken(emulators.bentley.url, BENTLEY_PATHS, "evo.discovery evo.workspace"))
      .access_token;
    apsUserToken = (
      await webCodeFlow(emulators.autodesk.url, AUTODESK_PATHS, {
        redirectUri: REDIRECT,
        scope: "data:read",
        email: ALICE,
      })
    ).access_token;
  });

  const cases: { name: string; emulator: () => Emulator; path: string; token?: () => string }[] = [
    { name: "IMS discovery", emulator: () => emulators.bentley, path: "/.well-known/openid-configuration" },
    { name: "IMS JWKS", emulator: () => emulators.bentley, path: "/.well-known/openid-configuration/jwks" },
    { name: "APS discovery", emulator: () => emulators.autodesk, path: "/.well-known/openid-configuration" },
    { name: "APS keys", emulator: () => emulators.autodesk, path: "/authentication/v2/keys" },
    { name: "iTwins", emulator: () => emulators.bentley, path: "/itwins/?$top=2", token: () => bentleyToken },
    {
      name: "iModels (an error answer)",
      emulator: () => emulators.bentley,
      path: "/imodels/",
      token: () => bentleyToken,
    },
    {
      name: "APS hubs",
      emulator: () => emulators.autodesk,
      path: "/project/v1/hubs",
      token: () => apsUserToken,
    },
    {
      name: "APS userinfo",
      emulator: () => emulators.autodesk,
      path: "/userinfo",
      token: () => apsUserToken,
    },
    {
      name: "Evo discovery",
      emulator: () => emulators.seequent,
      path: "/evo/identity/v2/discovery?service=evo",
      token: () => evoToken,
    },
    {
      name: "Evo workspaces",
      emulator: () => emulators.seequent,
      path: `/workspace/orgs/${EVO_ORG_ID}/workspaces?limit=2`,
      token: () => evoToken,
    },
    { name: "emulator stats", emulator: () => emulators.seequent, path: "/_emulator/stats" },
  ];
  for (const c of cases) {
    it(`${c.name}: //… answers as … does`, async () => {
      const base = c.emulator().url;
      const plain = await get(base, c.path, c.token?.());
      const twice = await get(base, doubled(c.path), c.token?.());
      expect(twice.status).toBe(plain.status);
      expect(twice.type).toBe(plain.type);
      expect(twice.text).toBe(plain.text);
    });
  }

  it("the token endpoints (//connect/token, //authentication/v2/token) issue tokens", async () => {
    for (const [base, path, scope] of [
      [emulators.bentley.url, "//connect//token", "itwin-platform"],
      [emulators.autodesk.url, "//authentication//v2/token", "data:read"],
    ] as const) {
      const answer = await postForm(
        `${base}${path}`,
        { grant_type: "client_credentials", scope },
        { authorization: basic(SERVICE_CLIENT.id, SERVICE_CLIENT.secret) },
      );
      expect(answer.status, path).toBe(200);
      expect(answer.json().access_token).toBeTruthy();
    }
  });

  it("the whole code flow runs from //connect//authorize, and introspection and revocation at // paths work", async () => {
    const { verifier, challenge } = pkce();
    const authorize = new URL(`${emulators.bentley.url}//connect//authorize`);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: "sandbox-web",
      redirect_uri: REDIRECT,
      scope: "openid itwin-platform",
      state: "slashes",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const { finalUrl } = await signInAtEmulator(authorize.href, { email: ALICE, password: "sandbox" });
    const code = new URL(finalUrl).searchParams.get("code")!;
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };
    const tokens = await postForm(
      `${emulators.bentley.url}//connect/token`,
      { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier },
      auth,
    );
    expect(tokens.status).toBe(200);
    const accessToken = tokens.json<{ access_token: string }>().access_token;
    const active = await postForm(
      `${emulators.bentley.url}//connect//introspect`,
      { token: accessToken },
      auth,
    );
    expect(active.json()).toMatchObject({ active: true });
    expect(
      (await postForm(`${emulators.bentley.url}///connect/revocation`, { token: accessToken }, auth)).status,
    ).toBe(200);
    const after = await postForm(`${emulators.bentley.url}/connect/introspect`, { token: accessToken }, auth);
    expect(after.json()).toEqual({ active: false });
  });
});

describe("404 outside every route: the platform's own body", () => {
  it("Bentley: ResourceNotFound / OperationNotFound, also under /connect", async () => {
    for (const path of ["/nope", "/connect/nope", "/.well-known/nope"]) {
      const answer = await get(emulators.bentley.url, path);
      expect(answer.status, path).toBe(404);
      expect(answer.type).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toEqual({
        error: {
          code: "ResourceNotFound",
          message: "The requested resource or operation was not found.",
          details: [
            {
              code: "OperationNotFound",
              message: "Operation not found for the given route and Accept header.",
              target: path,
            },
          ],
        },
      });
    }
  });

  it("Autodesk: the API gateway's error body, also under /authentication/v2", async () => {
    for (const path of ["/nope", "/authentication/v2/nope", "/userprofile/v1/users/@me"]) {
      const answer = await get(emulators.autodesk.url, path);
      expect(answer.status, path).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({
        developerMessage: `The requested resource does not exist: ${path}`,
        userMessage: "",
        errorCode: "NOT_FOUND",
        "more info": "https://aps.autodesk.com/en/docs/oauth/v2/developers_guide/error_handling/",
      });
    }
    // Under an API's own prefix the API's error shape still answers (JSON:API for Data Management).
    const dm = await get(emulators.autodesk.url, "/project/v1/nope");
    expect(JSON.parse(dm.text)).toMatchObject({ jsonapi: { version: "1.0" }, errors: [{ status: "404" }] });
  });

  it("Seequent: RFC 7807 problem JSON", async () => {
    const answer = await get(emulators.seequent.url, "/nope");
    expect(answer.status).toBe(404);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.text)).toMatchObject({
      status: 404,
      title: "Not Found",
      detail: "No resource at /nope.",
    });
  });
});

describe("Bentley IMS: invalid_scope for a scope the client does not have", () => {
  afterEach(() => emulators.bentley.resetStats());

  function authorizeUrl(scope: string, clientId = "sandbox-web", redirectUri = REDIRECT) {
    const url = new URL(`${emulators.bentley.url}/connect/authorize`);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      scope,
      state: "s",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    }).toString();
    return url.href;
  }

  it("at the authorization endpoint: the error page, no redirect to the client (IdentityServer)", async () => {
    const answer = await fetch(authorizeUrl("openid itwin-platform itwins:read"), { redirect: "manual" });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("location")).toBeNull();
    expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await answer.text();
    expect(html).toContain("invalid_scope");
    expect(html).toContain("Scope &#39;itwins:read&#39; is not allowed for client sandbox-web.");
    // Known scopes still sign in.
    const { finalUrl } = await signInAtEmulator(authorizeUrl("openid email itwin-platform evo.workspace"), {
      email: ALICE,
      password: "sandbox",
    });
    expect(new URL(finalUrl).searchParams.get("code")).toBeTruthy();
  });

  it("at the token endpoint for client credentials: 400 invalid_scope, counted as a failed call", async () => {
    const answer = await postForm(
      `${emulators.bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "itwin-platform itwin-platform:read" },
      { authorization: basic(SERVICE_CLIENT.id, SERVICE_CLIENT.secret) },
    );
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({
      error: "invalid_scope",
      error_description: "Scope 'itwin-platform:read' is not allowed for client sandbox-service.",
    });
    expect(emulators.bentley.stats().token.client_credentials).toEqual({ ok: 0, error: 1 });
    // The OpenID Connect scopes are not the service's either.
    const openid = await postForm(
      `${emulators.bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "openid itwin-platform" },
      { authorization: basic(SERVICE_CLIENT.id, SERVICE_CLIENT.secret) },
    );
    expect(openid.json().error).toBe("invalid_scope");
  });

  it("client authentication comes first: a wrong secret is invalid_client whatever the scopes", async () => {
    const answer = await postForm(
      `${emulators.bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "nope" },
      { authorization: basic(SERVICE_CLIENT.id, "wrong") },
    );
    expect(answer.status).toBe(401);
    expect(answer.json().error).toBe("invalid_client");
  });

  it("Autodesk keeps dropping an unknown scope (how APS answers it is unconfirmed)", async () => {
    const token = await serviceToken(emulators.autodesk.url, AUTODESK_PATHS, "data:read nope:nope");
    expect(decodeJwt(token.access_token).scope).toEqual(["data:read"]);
  });
});

describe("APS scopes", () => {
  const documented = [
    "user:read",
    "user:write",
    "user-profile:read",
    "viewables:read",
    "data:read",
    "data:write",
    "data:create",
    "data:search",
    "bucket:create",
    "bucket:read",
    "bucket:update",
    "bucket:delete",
    "code:all",
    "account:read",
    "account:write",
  ];

  it("the emulator issues every documented scope, and the preset's catalogue lists each", async () => {
    expect([...AUTODESK_API_SCOPES].sort()).toEqual([...documented].sort());
    const token = await serviceToken(emulators.autodesk.url, AUTODESK_PATHS, documented.join(" "));
    expect(decodeJwt(token.access_token).scope).toEqual(documented);
    const catalogue = getPreset("autodesk-aps").scopeCatalog.map((s) => s.scope);
    expect(catalogue).toEqual(expect.arrayContaining([...documented, "openid"]));
  });
});

describe("APS userinfo (GET /userinfo on api.userprofile.autodesk.com)", () => {
  it("answers the three-legged token's user, and refuses two-legged and missing tokens in the gateway's body", async () => {
    const user = await webCodeFlow(emulators.autodesk.url, AUTODESK_PATHS, {
      redirectUri: REDIRECT,
      scope: "data:read",
      email: ALICE,
    });
    const me = await get(emulators.autodesk.url, "/userinfo", user.access_token);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.text)).toMatchObject({
      sub: ALICE_ID,
      name: "Alice Anders",
      given_name: "Alice",
      family_name: "Anders",
      email: ALICE,
      email_verified: true,
      preferred_username: "alice",
      locale: "en-US",
    });
    const twoLegged = (await serviceToken(emulators.autodesk.url, AUTODESK_PATHS, "data:read")).access_token;
    for (const token of [twoLegged, undefined]) {
      const refused = await get(emulators.autodesk.url, "/userinfo", token);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text)).toMatchObject({ errorCode: "AUTH-006", userMessage: "" });
    }
  });

  it("is in the discovery document, beside APS's own names for revocation and introspection", async () => {
    const base = emulators.autodesk.url;
    const discovery = JSON.parse((await get(base, "/.well-known/openid-configuration")).text) as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({
      issuer: base,
      userinfo_endpoint: `${base}/userinfo`,
      revoke_endpoint: `${base}/authentication/v2/revoke`,
      introspect_endpoint: `${base}/authentication/v2/introspect`,
      jwks_uri: `${base}/authentication/v2/keys`,
    });
  });

  it("is host-mapped in the sandbox to the Autodesk emulator", async () => {
    const ports = [emulators.bentley, emulators.autodesk, emulators.seequent].map((e) =>
      Number(new URL(e.url).port),
    );
    const map = apiHostMap({ sandbox: true, emulatorPorts: ports as [number, number, number] });
    expect(map["api.userprofile.autodesk.com"]).toBe(emulators.autodesk.url);
    expect(map["developer.api.autodesk.com"]).toBe(emulators.autodesk.url);
    expect(apiHostMap({ sandbox: false, emulatorPorts: [1, 2, 3] })).toEqual({});
  });
});

describe("Bentley IMS userinfo and access tokens", () => {
  const signIn = (scope: string) =>
    webCodeFlow(emulators.bentley.url, BENTLEY_PATHS, { redirectUri: REDIRECT, scope, email: ALICE });

  it("access tokens list the granted OpenID Connect scopes and carry the user's identity claims", async () => {
    const { access_token } = await signIn("openid email offline_access itwin-platform");
    expect(decodeJwt(access_token)).toMatchObject({
      sub: ALICE_ID,
      scope: ["openid", "email", "offline_access", "itwin-platform"],
      email: ALICE,
      name: "Alice Anders",
      given_name: "Alice",
      family_name: "Anders",
      org: "sandbox-org",
    });
  });

  it("userinfo wants openid and releases the claims of the granted scopes only", async () => {
    const withoutOpenid = await signIn("itwin-platform");
    const refused = await fetch(`${emulators.bentley.url}/connect/userinfo`, {
      headers: { authorization: `Bearer ${withoutOpenid.access_token}` },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("www-authenticate")).toContain('error="insufficient_scope"');

    const openidOnly = await signIn("openid itwin-platform");
    expect(
      JSON.parse((await get(emulators.bentley.url, "/connect/userinfo", openidOnly.access_token)).text),
    ).toEqual({
      sub: ALICE_ID,
    });
    const withEmail = await signIn("openid email itwin-platform");
    expect(
      JSON.parse((await get(emulators.bentley.url, "/connect/userinfo", withEmail.access_token)).text),
    ).toEqual({
      sub: ALICE_ID,
      email: ALICE,
      email_verified: true,
    });
  });
});
