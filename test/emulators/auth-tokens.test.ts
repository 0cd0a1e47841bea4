// The emulated authorization servers' tokens over real HTTP on 127.0.0.1, with raw fetch: revocation and
// introspection, client credentials and their refusals, the verifier the APIs use (expiry on the
// emulator's clock, tampering), Seequent trusting Bentley's tokens, discovery, and Bentley's userinfo.
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { AccessTokenError } from "../../src/emulators/shared/accessToken.ts";
import { signInAtEmulator } from "../helpers/browser.ts";
import {
  ALICE,
  ALICE_ID,
  WEB_REDIRECT,
  basic,
  describeAuthServers,
  pkce,
  postForm,
  useEmulators,
} from "../helpers/emulatorAuthServers.ts";
import { AUTODESK_PATHS, BENTLEY_PATHS, serviceToken } from "../helpers/emulatorOAuth.ts";

const emulators = useEmulators();

describeAuthServers(emulators, "tokens", (p, steps) => {
  const { url, webTokens, clientCredentials, introspect, revoke, refresh } = steps;

  it("revokes a refresh token, after which introspection says inactive", async () => {
    const set = await webTokens();
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };

    const before = await introspect(set.refresh_token, auth);
    expect(before.json()).toMatchObject({ active: true, client_id: "sandbox-web" });
    const access = (await introspect(set.access_token, auth)).json();
    expect(access).toMatchObject({ active: true, client_id: "sandbox-web", exp: expect.any(Number) });
    expect(typeof access.scope).toBe("string");
    if (p.name === "autodesk") {
      expect(access.userid).toBe(ALICE_ID);
      expect(decodeJwt(set.access_token).userid).toBe(ALICE_ID);
    }

    const revoked = await revoke(set.refresh_token, auth, "refresh_token");
    expect(revoked.status).toBe(200);
    expect(revoked.text).toBe("");

    const after = await introspect(set.refresh_token, auth);
    expect(after.json()).toEqual({ active: false });
    expect((await refresh(set.refresh_token)).json().error).toBe("invalid_grant");
  });

  it("revokes an access token: introspection says inactive and the verifier refuses it", async () => {
    const set = await webTokens();
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };
    await expect(p.emulator().verifyAccessToken(`Bearer ${set.access_token}`)).resolves.toBeTruthy();

    // Someone else's client learns nothing and revokes nothing.
    const foreign = { authorization: basic("sandbox-service", "sandbox-service-secret") };
    expect((await introspect(set.access_token, foreign)).json()).toEqual({ active: false });
    expect((await revoke(set.access_token, foreign)).status).toBe(200);
    expect((await introspect(set.access_token, auth)).json().active).toBe(true);
    const badSecret = { authorization: basic("sandbox-web", "nope") };
    const refused = await introspect(set.access_token, badSecret);
    expect(refused.status).toBe(401);
    expect(refused.json().error).toBe("invalid_client");

    const revoked = await revoke(set.access_token, auth, "access_token");
    expect(revoked.status).toBe(200);
    expect(revoked.text).toBe("");
    expect((await introspect(set.access_token, auth)).json()).toEqual({ active: false });
    await expect(p.emulator().verifyAccessToken(`Bearer ${set.access_token}`)).rejects.toMatchObject({
      problem: "invalid",
    });
    // The refresh token is untouched: revoking an access token does not end the grant.
    expect((await refresh(set.refresh_token)).status).toBe(200);
  });

  it("issues JWT access tokens to sandbox-service by client credentials (Basic and form body)", async () => {
    const viaBasic = await clientCredentials();
    expect(viaBasic.status).toBe(200);
    const set = viaBasic.json();
    expect(set.refresh_token).toBeUndefined();
    const claims = decodeJwt(set.access_token);
    expect(claims).toMatchObject({ sub: "sandbox-service", client_id: "sandbox-service" });
    expect(claims.scope).toEqual(p.serviceScope.split(" "));
    const verified = await p.emulator().verifyAccessToken(`Bearer ${set.access_token}`);
    expect(verified.isService).toBe(true);

    const viaPost = await postForm(url(p.paths.token), {
      grant_type: "client_credentials",
      scope: p.serviceScope,
      client_id: "sandbox-service",
      client_secret: "sandbox-service-secret",
    });
    expect(viaPost.status).toBe(200);
  });

  it("refuses openid for a service client", async () => {
    const answer = await clientCredentials(`openid ${p.serviceScope}`);
    expect(answer.status).toBe(400);
    expect(answer.json().error).toBe("invalid_scope");
  });

  it("refuses a bad client secret with invalid_client", async () => {
    const answer = await clientCredentials(p.serviceScope, "wrong-secret");
    expect(answer.status).toBe(401);
    expect(answer.json().error).toBe("invalid_client");
  });

  it("verifies tokens: accepts a fresh one, rejects an expired and a tampered one", async () => {
    const issue = async () => (await clientCredentials()).json().access_token as string;

    const fresh = await issue();
    await expect(p.emulator().verifyAccessToken(`Bearer ${fresh}`)).resolves.toMatchObject({
      subject: "sandbox-service",
    });

    const [header, payload, signature] = fresh.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: ALICE_ID })).toString("base64url");
    await expect(
      p.emulator().verifyAccessToken(`Bearer ${header}.${forged}.${signature}`),
    ).rejects.toMatchObject({
      problem: "invalid",
    });
    await expect(p.emulator().verifyAccessToken(undefined)).rejects.toMatchObject({ problem: "missing" });
    await expect(p.emulator().verifyAccessToken("Basic abc")).rejects.toBeInstanceOf(AccessTokenError);

    p.emulator().knobs.set({ accessTokenLifetimeSeconds: 1 });
    const shortLived = await issue();
    expect(decodeJwt(shortLived).exp! - decodeJwt(shortLived).iat!).toBe(1);
    // Its second passes on the emulator's clock (the knob): the verifier and introspection both go by it.
    p.emulator().knobs.set({ clockAheadSeconds: 2 });
    await expect(p.emulator().verifyAccessToken(`Bearer ${shortLived}`)).rejects.toMatchObject({
      problem: "expired",
    });
    const service = { authorization: basic("sandbox-service", "sandbox-service-secret") };
    expect((await introspect(shortLived, service)).json()).toEqual({ active: false });
    p.emulator().knobs.set({ clockAheadSeconds: 0 });
    await expect(p.emulator().verifyAccessToken(`Bearer ${fresh}`)).resolves.toBeTruthy();
  });
});

describe("Seequent emulator", () => {
  it("accepts Bentley IMS tokens and not Autodesk ones", async () => {
    const bentleyToken = (
      await serviceToken(emulators().bentley.url, BENTLEY_PATHS, "evo.discovery evo.workspace")
    ).access_token;
    await expect(emulators().seequent.verifyAccessToken(`Bearer ${bentleyToken}`)).resolves.toMatchObject({
      scopes: ["evo.discovery", "evo.workspace"],
    });

    const autodeskToken = (await serviceToken(emulators().autodesk.url, AUTODESK_PATHS, "data:read"))
      .access_token;
    await expect(emulators().seequent.verifyAccessToken(`Bearer ${autodeskToken}`)).rejects.toMatchObject({
      problem: "invalid",
    });
  });

  it("publishes APS discovery with revoke_endpoint and IMS discovery with the JWKS path", async () => {
    const aps = await (await fetch(`${emulators().autodesk.url}/.well-known/openid-configuration`)).json();
    expect(aps.revoke_endpoint).toBe(`${emulators().autodesk.url}/authentication/v2/revoke`);
    expect(aps.revocation_endpoint).toBe(aps.revoke_endpoint);
    expect(aps.jwks_uri).toBe(`${emulators().autodesk.url}/authentication/v2/keys`);
    const ims = await (await fetch(`${emulators().bentley.url}/.well-known/openid-configuration`)).json();
    expect(ims.jwks_uri).toBe(`${emulators().bentley.url}/.well-known/openid-configuration/jwks`);
    expect(ims.authorization_response_iss_parameter_supported).toBe(true);
    const jwks = await (await fetch(ims.jwks_uri)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256" });
    expect(jwks.keys[0].d).toBeUndefined();
  });
});

describe("Bentley userinfo", () => {
  it("answers the signed-in user's claims for a user token and refuses service and bad tokens", async () => {
    const discovery = await (
      await fetch(`${emulators().bentley.url}/.well-known/openid-configuration`)
    ).json();
    expect(discovery.userinfo_endpoint).toBe(`${emulators().bentley.url}/connect/userinfo`);

    const { verifier, challenge } = pkce();
    const authorize = new URL(`${emulators().bentley.url}/connect/authorize`);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: "sandbox-web",
      redirect_uri: WEB_REDIRECT,
      scope: "openid profile email itwin-platform",
      state: "u1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const { finalUrl } = await signInAtEmulator(authorize.href, ALICE);
    const set = (
      await postForm(`${emulators().bentley.url}/connect/token`, {
        grant_type: "authorization_code",
        code: new URL(finalUrl).searchParams.get("code")!,
        redirect_uri: WEB_REDIRECT,
        code_verifier: verifier,
        client_id: "sandbox-web",
        client_secret: "sandbox-web-secret",
      })
    ).json();
    const me = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${set.access_token}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ sub: ALICE_ID, email: ALICE.email, given_name: "Alice" });

    const anonymous = await fetch(discovery.userinfo_endpoint);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("invalid_token");

    const service = (await serviceToken(emulators().bentley.url, BENTLEY_PATHS, "itwin-platform"))
      .access_token;
    const asService = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${service}` },
    });
    expect(asService.status).toBe(403);
  });
});
