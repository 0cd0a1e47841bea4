// What the platforms' authorization servers do with scopes and userinfo, and the emulators must do too,
// over real HTTP on the composed emulators: IMS's invalid_scope for scopes the client does not have, the
// documented APS scopes, APS userinfo (and its host mapping), IMS userinfo by scope and the identity claims
// in its access tokens.
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { apiHostMap } from "../../src/apps/hostMap.ts";
import { AUTODESK_API_SCOPES } from "../../src/emulators/autodesk/authServer.ts";
import { getPreset } from "../../src/providers/index.ts";
import { signInAtEmulator } from "../helpers/browser.ts";
import { ALICE_ID, WEB_REDIRECT, getRaw, useEmulators } from "../helpers/emulatorAuthServers.ts";
import {
  AUTODESK_PATHS,
  BENTLEY_PATHS,
  SERVICE_CLIENT,
  basic,
  pkce,
  postForm,
  serviceToken,
  webCodeFlow,
} from "../helpers/emulatorOAuth.ts";

const ALICE = "alice@example.com";
const emulators = useEmulators();

describe("Bentley IMS: invalid_scope for a scope the client does not have", () => {
  afterEach(() => emulators().bentley.resetStats());

  function authorizeUrl(scope: string, clientId = "sandbox-web", redirectUri = WEB_REDIRECT) {
    const url = new URL(`${emulators().bentley.url}/connect/authorize`);
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
      `${emulators().bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "itwin-platform itwin-platform:read" },
      { authorization: basic(SERVICE_CLIENT.id, SERVICE_CLIENT.secret) },
    );
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({
      error: "invalid_scope",
      error_description: "Scope 'itwin-platform:read' is not allowed for client sandbox-service.",
    });
    expect(emulators().bentley.stats().token.client_credentials).toEqual({ ok: 0, error: 1 });
    // The OpenID Connect scopes are not the service's either.
    const openid = await postForm(
      `${emulators().bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "openid itwin-platform" },
      { authorization: basic(SERVICE_CLIENT.id, SERVICE_CLIENT.secret) },
    );
    expect(openid.json().error).toBe("invalid_scope");
  });

  it("client authentication comes first: a wrong secret is invalid_client whatever the scopes", async () => {
    const answer = await postForm(
      `${emulators().bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "nope" },
      { authorization: basic(SERVICE_CLIENT.id, "wrong") },
    );
    expect(answer.status).toBe(401);
    expect(answer.json().error).toBe("invalid_client");
  });

  it("Autodesk keeps dropping an unknown scope (how APS answers it is unconfirmed)", async () => {
    const token = await serviceToken(emulators().autodesk.url, AUTODESK_PATHS, "data:read nope:nope");
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
    const token = await serviceToken(emulators().autodesk.url, AUTODESK_PATHS, documented.join(" "));
    expect(decodeJwt(token.access_token).scope).toEqual(documented);
    const catalogue = getPreset("autodesk-aps").scopeCatalog.map((s) => s.scope);
    expect(catalogue).toEqual(expect.arrayContaining([...documented, "openid"]));
  });
});

describe("APS userinfo (GET /userinfo on api.userprofile.autodesk.com)", () => {
  it("answers the three-legged token's user, and refuses two-legged and missing tokens in the gateway's body", async () => {
    const user = await webCodeFlow(emulators().autodesk.url, AUTODESK_PATHS, {
      redirectUri: WEB_REDIRECT,
      scope: "data:read",
      email: ALICE,
    });
    const me = await getRaw(emulators().autodesk.url, "/userinfo", user.access_token);
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
    const twoLegged = (await serviceToken(emulators().autodesk.url, AUTODESK_PATHS, "data:read"))
      .access_token;
    for (const token of [twoLegged, undefined]) {
      const refused = await getRaw(emulators().autodesk.url, "/userinfo", token);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text)).toMatchObject({ errorCode: "AUTH-006", userMessage: "" });
    }
  });

  it("is in the discovery document, beside APS's own names for revocation and introspection", async () => {
    const base = emulators().autodesk.url;
    const discovery = JSON.parse((await getRaw(base, "/.well-known/openid-configuration")).text) as Record<
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
    const ports = [emulators().bentley, emulators().autodesk, emulators().seequent].map((e) =>
      Number(new URL(e.url).port),
    );
    const map = apiHostMap({ sandbox: true, emulatorPorts: ports as [number, number, number] });
    expect(map["api.userprofile.autodesk.com"]).toBe(emulators().autodesk.url);
    expect(map["developer.api.autodesk.com"]).toBe(emulators().autodesk.url);
    expect(apiHostMap({ sandbox: false, emulatorPorts: [1, 2, 3] })).toEqual({});
  });
});

describe("Bentley IMS userinfo and access tokens", () => {
  const signIn = (scope: string) =>
    webCodeFlow(emulators().bentley.url, BENTLEY_PATHS, { redirectUri: WEB_REDIRECT, scope, email: ALICE });

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
    const refused = await fetch(`${emulators().bentley.url}/connect/userinfo`, {
      headers: { authorization: `Bearer ${withoutOpenid.access_token}` },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("www-authenticate")).toContain('error="insufficient_scope"');

    const openidOnly = await signIn("openid itwin-platform");
    expect(
      JSON.parse((await getRaw(emulators().bentley.url, "/connect/userinfo", openidOnly.access_token)).text),
    ).toEqual({
      sub: ALICE_ID,
    });
    const withEmail = await signIn("openid email itwin-platform");
    expect(
      JSON.parse((await getRaw(emulators().bentley.url, "/connect/userinfo", withEmail.access_token)).text),
    ).toEqual({
      sub: ALICE_ID,
      email: ALICE,
      email_verified: true,
    });
  });
});
