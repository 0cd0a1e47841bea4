// The emulated authorization servers over real HTTP on 127.0.0.1, spoken to with raw fetch (not the
// OAuth engine), so these tests pin the wire behaviour the engine and the hub rely on: the code flow
// through the real login and consent forms, refresh rotation with reuse detection, revocation,
// client credentials, the refusals, and the knobs and stats.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { emulate, parseEmulatorPorts, parseWebRedirectUris } from "../src/cli/emulate.ts";
import { startEmulators, type Emulator, type Emulators } from "../src/emulators/index.ts";
import { AccessTokenError } from "../src/emulators/shared/accessToken.ts";
import { signInAtEmulator } from "./helpers/browser.ts";

const WEB_REDIRECT = "http://127.0.0.1:45001/callback";
const ALICE = { email: "alice@example.com", password: "sandbox" };
const ALICE_ID = "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e01";

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: ["http://127.0.0.1:1/placeholder"] });
  // As the hub does: redirect URIs learnt after the emulators started.
  emulators.setWebRedirectUris([WEB_REDIRECT]);
});
afterAll(async () => {
  await emulators?.close();
});

interface Platform {
  name: "bentley" | "autodesk";
  emulator: () => Emulator;
  paths: { authorize: string; token: string; revoke: string; introspect: string; jwks: string };
  userScope: string;
  serviceScope: string;
  /** APS issues a refresh token on every three-legged exchange; IMS only with offline_access. */
  expectsRefreshWithoutOfflineAccess: boolean;
}

const platforms: Platform[] = [
  {
    name: "bentley",
    emulator: () => emulators.bentley,
    paths: {
      authorize: "/connect/authorize",
      token: "/connect/token",
      revoke: "/connect/revocation",
      introspect: "/connect/introspect",
      jwks: "/.well-known/openid-configuration/jwks",
    },
    userScope: "openid profile email offline_access itwin-platform",
    serviceScope: "itwin-platform",
    expectsRefreshWithoutOfflineAccess: false,
  },
  {
    name: "autodesk",
    emulator: () => emulators.autodesk,
    paths: {
      authorize: "/authentication/v2/authorize",
      token: "/authentication/v2/token",
      revoke: "/authentication/v2/revoke",
      introspect: "/authentication/v2/introspect",
      jwks: "/authentication/v2/keys",
    },
    userScope: "openid data:read data:write",
    serviceScope: "data:read bucket:read",
    expectsRefreshWithoutOfflineAccess: true,
  },
];

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function basic(id: string, secret: string) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

const form = "application/x-www-form-urlencoded";

async function postForm(url: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": form, ...headers },
    body: new URLSearchParams(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

describe.each(platforms)("$name authorization server", (p) => {
  const url = (path: string) => `${p.emulator().url}${path}`;

  function authorizationUrl(params: Record<string, string>) {
    const u = new URL(url(p.paths.authorize));
    u.search = new URLSearchParams({ response_type: "code", state: "s-123", ...params }).toString();
    return u.href;
  }

  async function webSignIn(scope = p.userScope, options: { consent?: boolean } = {}) {
    const { verifier, challenge } = pkce();
    const { finalUrl } = await signInAtEmulator(
      authorizationUrl({
        client_id: "sandbox-web",
        redirect_uri: WEB_REDIRECT,
        scope,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
      { ...ALICE, ...options },
    );
    return { callback: new URL(finalUrl), verifier };
  }

  async function exchange(code: string, verifier: string, auth: "basic" | "post" = "post") {
    const body: Record<string, string> = {
      grant_type: "authorization_code",
      code,
      redirect_uri: WEB_REDIRECT,
      code_verifier: verifier,
    };
    if (auth === "post") {
      return postForm(url(p.paths.token), {
        ...body,
        client_id: "sandbox-web",
        client_secret: "sandbox-web-secret",
      });
    }
    return postForm(url(p.paths.token), body, { authorization: basic("sandbox-web", "sandbox-web-secret") });
  }

  async function refresh(refreshToken: string) {
    return postForm(
      url(p.paths.token),
      { grant_type: "refresh_token", refresh_token: refreshToken },
      { authorization: basic("sandbox-web", "sandbox-web-secret") },
    );
  }

  afterEach(() => {
    p.emulator().knobs.reset();
  });

  it("runs the code flow with PKCE through the real forms, refreshes with rotation and refuses the old refresh token", async () => {
    const { callback, verifier } = await webSignIn();
    expect(`${callback.origin}${callback.pathname}`).toBe(WEB_REDIRECT);
    expect(callback.searchParams.get("state")).toBe("s-123");
    expect(callback.searchParams.get("iss")).toBe(p.emulator().url);
    const code = callback.searchParams.get("code");
    expect(code).toBeTruthy();

    const tokens = await exchange(code!, verifier, "basic");
    expect(tokens.status).toBe(200);
    const set = tokens.json();
    expect(set.token_type).toBe("Bearer");
    expect(set.expires_in).toBe(3600);
    expect(typeof set.refresh_token).toBe("string");

    const claims = decodeJwt(set.access_token);
    expect(claims.sub).toBe(ALICE_ID);
    expect(claims.client_id).toBe("sandbox-web");
    expect(claims.iss).toBe(p.emulator().url);
    expect(Array.isArray(claims.scope)).toBe(true);
    expect(claims.scope).toEqual(
      expect.arrayContaining(p.userScope.split(" ").filter((s) => s.includes("-") || s.includes(":"))),
    );

    const verified = await p.emulator().verifyAccessToken(`Bearer ${set.access_token}`);
    expect(verified).toMatchObject({ subject: ALICE_ID, clientId: "sandbox-web", isService: false });

    const refreshed = await refresh(set.refresh_token);
    expect(refreshed.status).toBe(200);
    const next = refreshed.json();
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(set.refresh_token);
    expect(next.access_token).not.toBe(set.access_token);

    const reused = await refresh(set.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.json().error).toBe("invalid_grant");
    // Reuse revokes the whole grant: the newest refresh token is dead too.
    const afterReuse = await refresh(next.refresh_token);
    expect(afterReuse.json().error).toBe("invalid_grant");
  });

  it("replays of the authorization code fail", async () => {
    const { callback, verifier } = await webSignIn();
    const code = callback.searchParams.get("code")!;
    expect((await exchange(code, verifier)).status).toBe(200);
    const replay = await exchange(code, verifier);
    expect(replay.status).toBe(400);
    expect(replay.json().error).toBe("invalid_grant");
  });

  it(
    p.expectsRefreshWithoutOfflineAccess
      ? "issues a refresh token on every three-legged exchange"
      : "issues a refresh token only with offline_access",
    async () => {
      const scope = p.name === "bentley" ? "openid itwin-platform" : "data:read";
      const { callback, verifier } = await webSignIn(scope);
      const set = (await exchange(callback.searchParams.get("code")!, verifier)).json();
      expect(typeof set.access_token).toBe("string");
      if (p.expectsRefreshWithoutOfflineAccess) expect(typeof set.refresh_token).toBe("string");
      else expect(set.refresh_token).toBeUndefined();
    },
  );

  it("accepts a narrower scope on refresh and refuses a wider one", async () => {
    const { callback, verifier } = await webSignIn();
    const set = (await exchange(callback.searchParams.get("code")!, verifier)).json();
    const apiScope = p.name === "bentley" ? "itwin-platform" : "data:read";
    const wider = p.name === "bentley" ? "evo.file" : "bucket:delete";
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };

    const tooWide = await postForm(
      url(p.paths.token),
      { grant_type: "refresh_token", refresh_token: set.refresh_token, scope: `${apiScope} ${wider}` },
      auth,
    );
    expect(tooWide.status).toBe(400);
    expect(tooWide.json().error).toBe("invalid_scope");

    const narrower = await postForm(
      url(p.paths.token),
      { grant_type: "refresh_token", refresh_token: set.refresh_token, scope: apiScope },
      auth,
    );
    expect(narrower.status).toBe(200);
    expect(decodeJwt(narrower.json().access_token).scope).toEqual([apiScope]);
  });

  it("keeps the refresh token when rotation is switched off", async () => {
    p.emulator().knobs.set({ refreshRotation: false });
    const { callback, verifier } = await webSignIn();
    const set = (await exchange(callback.searchParams.get("code")!, verifier)).json();
    const first = await refresh(set.refresh_token);
    expect(first.status).toBe(200);
    const second = await refresh(set.refresh_token);
    expect(second.status).toBe(200);
  });

  it("revokes a refresh token, after which introspection says inactive", async () => {
    const { callback, verifier } = await webSignIn();
    const set = (await exchange(callback.searchParams.get("code")!, verifier)).json();
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };

    const before = await postForm(url(p.paths.introspect), { token: set.refresh_token }, auth);
    expect(before.json()).toMatchObject({ active: true, client_id: "sandbox-web" });
    const access = (await postForm(url(p.paths.introspect), { token: set.access_token }, auth)).json();
    expect(access).toMatchObject({ active: true, client_id: "sandbox-web", exp: expect.any(Number) });
    expect(typeof access.scope).toBe("string");
    if (p.name === "autodesk") {
      expect(access.userid).toBe(ALICE_ID);
      expect(decodeJwt(set.access_token).userid).toBe(ALICE_ID);
    }

    const revoked = await postForm(
      url(p.paths.revoke),
      { token: set.refresh_token, token_type_hint: "refresh_token" },
      auth,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.text).toBe("");

    const after = await postForm(url(p.paths.introspect), { token: set.refresh_token }, auth);
    expect(after.json()).toEqual({ active: false });
    expect((await refresh(set.refresh_token)).json().error).toBe("invalid_grant");
  });

  it("revokes an access token: introspection says inactive and the verifier refuses it", async () => {
    const { callback, verifier } = await webSignIn();
    const set = (await exchange(callback.searchParams.get("code")!, verifier)).json();
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };
    await expect(p.emulator().verifyAccessToken(`Bearer ${set.access_token}`)).resolves.toBeTruthy();

    // Someone else's client learns nothing and revokes nothing.
    const foreign = { authorization: basic("sandbox-service", "sandbox-service-secret") };
    expect((await postForm(url(p.paths.introspect), { token: set.access_token }, foreign)).json()).toEqual({
      active: false,
    });
    expect((await postForm(url(p.paths.revoke), { token: set.access_token }, foreign)).status).toBe(200);
    expect((await postForm(url(p.paths.introspect), { token: set.access_token }, auth)).json().active).toBe(
      true,
    );
    const badSecret = { authorization: basic("sandbox-web", "nope") };
    const refused = await postForm(url(p.paths.introspect), { token: set.access_token }, badSecret);
    expect(refused.status).toBe(401);
    expect(refused.json().error).toBe("invalid_client");

    const revoked = await postForm(
      url(p.paths.revoke),
      { token: set.access_token, token_type_hint: "access_token" },
      auth,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.text).toBe("");
    expect((await postForm(url(p.paths.introspect), { token: set.access_token }, auth)).json()).toEqual({
      active: false,
    });
    await expect(p.emulator().verifyAccessToken(`Bearer ${set.access_token}`)).rejects.toMatchObject({
      problem: "invalid",
    });
    // The refresh token is untouched: revoking an access token does not end the grant.
    expect((await refresh(set.refresh_token)).status).toBe(200);
  });

  it("issues JWT access tokens to sandbox-service by client credentials (Basic and form body)", async () => {
    const viaBasic = await postForm(
      url(p.paths.token),
      { grant_type: "client_credentials", scope: p.serviceScope },
      { authorization: basic("sandbox-service", "sandbox-service-secret") },
    );
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
    const answer = await postForm(
      url(p.paths.token),
      { grant_type: "client_credentials", scope: `openid ${p.serviceScope}` },
      { authorization: basic("sandbox-service", "sandbox-service-secret") },
    );
    expect(answer.status).toBe(400);
    expect(answer.json().error).toBe("invalid_scope");
  });

  it("refuses a bad client secret with invalid_client", async () => {
    const answer = await postForm(
      url(p.paths.token),
      { grant_type: "client_credentials", scope: p.serviceScope },
      { authorization: basic("sandbox-service", "wrong-secret") },
    );
    expect(answer.status).toBe(401);
    expect(answer.json().error).toBe("invalid_client");
  });

  it("refuses a redirect URI that differs by one character", async () => {
    const { challenge } = pkce();
    const response = await fetch(
      authorizationUrl({
        client_id: "sandbox-web",
        redirect_uri: `${WEB_REDIRECT}x`,
        scope: p.userScope,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
      { redirect: "manual", signal: AbortSignal.timeout(10_000) },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("redirect_uri");
  });

  it("refuses an expired authorization code", async () => {
    p.emulator().knobs.set({ authorizationCodeLifetimeSeconds: 1 });
    const { callback, verifier } = await webSignIn();
    // The code's lifetime passes on the emulator's clock (the knob), not by waiting for it.
    p.emulator().knobs.set({ clockAheadSeconds: 2 });
    const answer = await exchange(callback.searchParams.get("code")!, verifier);
    expect(answer.status).toBe(400);
    expect(answer.json().error).toBe("invalid_grant");
  });

  it("refuses a wrong PKCE verifier", async () => {
    const { callback } = await webSignIn();
    const answer = await exchange(callback.searchParams.get("code")!, pkce().verifier);
    expect(answer.status).toBe(400);
    expect(answer.json().error).toBe("invalid_grant");
  });

  it("returns error=access_denied when consent is denied", async () => {
    const { callback } = await webSignIn(p.userScope, { consent: false });
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe("s-123");
    expect(callback.searchParams.get("code")).toBeNull();
  });

  it("shows the login page again with an error after a wrong password", async () => {
    const { challenge } = pkce();
    const signIn = signInAtEmulator(
      authorizationUrl({
        client_id: "sandbox-web",
        redirect_uri: WEB_REDIRECT,
        scope: p.userScope,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
      { email: ALICE.email, password: "not-sandbox" },
    );
    await expect(signIn).rejects.toThrow(/email or password is not right/);
  });

  it("signs in when the authorization URL says localhost instead of 127.0.0.1", async () => {
    const { challenge } = pkce();
    const viaLocalhost = authorizationUrl({
      client_id: "sandbox-web",
      redirect_uri: WEB_REDIRECT,
      scope: p.userScope,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).replace("://127.0.0.1:", "://localhost:");
    const { finalUrl } = await signInAtEmulator(viaLocalhost, ALICE);
    expect(new URL(finalUrl).searchParams.get("code")).toBeTruthy();
  });

  it("lets the native client use any loopback port, with PKCE required", async () => {
    const { verifier, challenge } = pkce();
    const redirect = "http://127.0.0.1:51234/signin-callback";
    const { finalUrl } = await signInAtEmulator(
      authorizationUrl({
        client_id: "sandbox-native",
        redirect_uri: redirect,
        scope: p.userScope,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
      ALICE,
    );
    const callback = new URL(finalUrl);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirect);
    const answer = await postForm(url(p.paths.token), {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: redirect,
      code_verifier: verifier,
      client_id: "sandbox-native",
    });
    expect(answer.status).toBe(200);

    const withoutPkce = await fetch(
      authorizationUrl({ client_id: "sandbox-native", redirect_uri: redirect, scope: p.userScope }),
      { redirect: "manual", signal: AbortSignal.timeout(10_000) },
    );
    const location = new URL(withoutPkce.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_request");
  });

  it("injects 503, 429 with Retry-After and invalid_grant at the token endpoint, then recovers", async () => {
    const call = () =>
      postForm(
        url(p.paths.token),
        { grant_type: "client_credentials", scope: p.serviceScope },
        { authorization: basic("sandbox-service", "sandbox-service-secret") },
      );

    p.emulator().knobs.set({ failure: { target: "token", kind: "5xx", count: 1 } });
    expect((await call()).status).toBe(503);
    expect((await call()).status).toBe(200);

    const patched = await fetch(url("/_emulator/knobs"), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ failure: { target: "all", kind: "429", retryAfterSeconds: 7 } }),
    });
    expect(patched.status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await call()).status).toBe(429);
    await fetch(url("/_emulator/knobs"), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ failure: null }),
    });
    expect((await call()).status).toBe(200);

    p.emulator().knobs.set({ failure: { target: "token", kind: "invalid_grant", count: 1 } });
    const refused = await call();
    expect(refused.status).toBe(400);
    expect(refused.json().error).toBe("invalid_grant");
  });

  it("hangs the token endpoint on request until cleared", async () => {
    p.emulator().knobs.set({ failure: { target: "token", kind: "hang" } });
    const hung = fetch(url(p.paths.token), {
      method: "POST",
      headers: { "content-type": form, authorization: basic("sandbox-service", "sandbox-service-secret") },
      body: new URLSearchParams({ grant_type: "client_credentials", scope: p.serviceScope }),
      signal: AbortSignal.timeout(500),
    });
    await expect(hung).rejects.toThrow(/timeout|aborted/i);
    p.emulator().knobs.set({ failure: null });
    const answer = await postForm(
      url(p.paths.token),
      { grant_type: "client_credentials", scope: p.serviceScope },
      { authorization: basic("sandbox-service", "sandbox-service-secret") },
    );
    expect(answer.status).toBe(200);
  });

  it("refuses bad knobs with 400", async () => {
    for (const body of [
      { failure: { target: "token", kind: "explode" } },
      { accessTokenLifetimeSeconds: -1 },
      { latency: { target: "api", ms: "slow" } },
      { unknownKnob: true },
    ]) {
      const response = await fetch(url("/_emulator/knobs"), {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toBe("invalid_knobs");
    }
  });

  it("counts token calls by grant type and outcome, and resets the counts", async () => {
    await fetch(url("/_emulator/stats/reset"), { method: "POST" });
    const { callback, verifier } = await webSignIn();
    const set = (await exchange(callback.searchParams.get("code")!, verifier)).json();
    await refresh(set.refresh_token);
    await refresh(set.refresh_token); // reuse: an error
    await postForm(
      url(p.paths.token),
      { grant_type: "client_credentials", scope: p.serviceScope },
      { authorization: basic("sandbox-service", "bad") },
    );
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };
    await postForm(url(p.paths.introspect), { token: set.access_token }, auth);
    await postForm(url(p.paths.revoke), { token: set.access_token }, auth);

    const stats = await (await fetch(url("/_emulator/stats"))).json();
    expect(stats).toEqual({
      token: {
        authorization_code: { ok: 1, error: 0 },
        refresh_token: { ok: 1, error: 1 },
        client_credentials: { ok: 0, error: 1 },
      },
      revocation: 1,
      introspection: 1,
    });
    expect(p.emulator().stats()).toEqual(stats);

    await fetch(url("/_emulator/stats/reset"), { method: "POST" });
    expect(p.emulator().stats().token.refresh_token).toEqual({ ok: 0, error: 0 });
  });

  it("verifies tokens: accepts a fresh one, rejects an expired and a tampered one", async () => {
    const issue = async () =>
      (
        await postForm(
          url(p.paths.token),
          { grant_type: "client_credentials", scope: p.serviceScope },
          { authorization: basic("sandbox-service", "sandbox-service-secret") },
        )
      ).json().access_token as string;

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
    expect((await postForm(url(p.paths.introspect), { token: shortLived }, service)).json()).toEqual({
      active: false,
    });
    p.emulator().knobs.set({ clockAheadSeconds: 0 });
    await expect(p.emulator().verifyAccessToken(`Bearer ${fresh}`)).resolves.toBeTruthy();
  });
});

describe("Seequent emulator", () => {
  it("accepts Bentley IMS tokens and not Autodesk ones", async () => {
    const bentleyToken = (
      await postForm(
        `${emulators.bentley.url}/connect/token`,
        { grant_type: "client_credentials", scope: "evo.discovery evo.workspace" },
        { authorization: basic("sandbox-service", "sandbox-service-secret") },
      )
    ).json().access_token;
    await expect(emulators.seequent.verifyAccessToken(`Bearer ${bentleyToken}`)).resolves.toMatchObject({
      scopes: ["evo.discovery", "evo.workspace"],
    });

    const autodeskToken = (
      await postForm(
        `${emulators.autodesk.url}/authentication/v2/token`,
        { grant_type: "client_credentials", scope: "data:read" },
        { authorization: basic("sandbox-service", "sandbox-service-secret") },
      )
    ).json().access_token;
    await expect(emulators.seequent.verifyAccessToken(`Bearer ${autodeskToken}`)).rejects.toMatchObject({
      problem: "invalid",
    });
  });

  it("publishes APS discovery with revoke_endpoint and IMS discovery with the JWKS path", async () => {
    const aps = await (await fetch(`${emulators.autodesk.url}/.well-known/openid-configuration`)).json();
    expect(aps.revoke_endpoint).toBe(`${emulators.autodesk.url}/authentication/v2/revoke`);
    expect(aps.revocation_endpoint).toBe(aps.revoke_endpoint);
    expect(aps.jwks_uri).toBe(`${emulators.autodesk.url}/authentication/v2/keys`);
    const ims = await (await fetch(`${emulators.bentley.url}/.well-known/openid-configuration`)).json();
    expect(ims.jwks_uri).toBe(`${emulators.bentley.url}/.well-known/openid-configuration/jwks`);
    expect(ims.authorization_response_iss_parameter_supported).toBe(true);
    const jwks = await (await fetch(ims.jwks_uri)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256" });
    expect(jwks.keys[0].d).toBeUndefined();
  });
});

describe("Bentley userinfo", () => {
  it("answers the signed-in user's claims for a user token and refuses service and bad tokens", async () => {
    const discovery = await (await fetch(`${emulators.bentley.url}/.well-known/openid-configuration`)).json();
    expect(discovery.userinfo_endpoint).toBe(`${emulators.bentley.url}/connect/userinfo`);

    const { verifier, challenge } = pkce();
    const authorize = new URL(`${emulators.bentley.url}/connect/authorize`);
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
      await postForm(`${emulators.bentley.url}/connect/token`, {
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

    const service = (
      await postForm(
        `${emulators.bentley.url}/connect/token`,
        { grant_type: "client_credentials", scope: "itwin-platform" },
        { authorization: basic("sandbox-service", "sandbox-service-secret") },
      )
    ).json().access_token;
    const asService = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${service}` },
    });
    expect(asService.status).toBe(403);
  });
});

describe("knobs on the resource APIs", () => {
  afterEach(() => {
    emulators.bentley.knobs.reset();
    emulators.seequent.knobs.reset();
  });

  it("answers an injected 429 on an API in the platform's own error shape, leaving the token endpoint alone", async () => {
    emulators.bentley.knobs.set({ failure: { target: "api", kind: "429", retryAfterSeconds: 3, count: 1 } });
    const limited = await fetch(`${emulators.bentley.url}/itwins/`, {
      headers: { authorization: "Bearer x" },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect((await limited.json()).error.code).toEqual(expect.any(String));

    emulators.seequent.knobs.set({ failure: { target: "all", kind: "5xx", status: 502, count: 1 } });
    const failed = await fetch(`${emulators.seequent.url}/evo/identity/v2/discovery?service=evo`);
    expect(failed.status).toBe(502);
    expect(failed.headers.get("content-type")).toContain("application/problem+json");
    expect(await failed.json()).toMatchObject({ status: 502 });

    const token = await postForm(
      `${emulators.bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "itwin-platform" },
      { authorization: basic("sandbox-service", "sandbox-service-secret") },
    );
    expect(token.status).toBe(200);
  });

  it("resets the connection when asked to", async () => {
    emulators.bentley.knobs.set({ failure: { target: "api", kind: "reset", count: 1 } });
    await expect(fetch(`${emulators.bentley.url}/itwins/`)).rejects.toThrow();
    const after = await fetch(`${emulators.bentley.url}/itwins/`);
    expect(after.status).toBe(401);
  });

  it("adds latency only where targeted", async () => {
    // The latency is twice the discovery request's allowance, so a latency wrongly added there fails it,
    // while a correct answer has all of 10 s on a busy machine.
    emulators.bentley.knobs.set({ latency: { target: "api", ms: 20_000 } });
    await expect(
      fetch(`${emulators.bentley.url}/itwins/`, { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow(/timeout|aborted/i);
    const discovery = await fetch(`${emulators.bentley.url}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(discovery.status).toBe(200);
  });

  it("reads and resets knobs over HTTP", async () => {
    const set = await fetch(`${emulators.bentley.url}/_emulator/knobs`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accessTokenLifetimeSeconds: 60, refreshRotation: false }),
    });
    expect(await set.json()).toMatchObject({ accessTokenLifetimeSeconds: 60, refreshRotation: false });
    expect(emulators.bentley.knobs.get().accessTokenLifetimeSeconds).toBe(60);
    await fetch(`${emulators.bentley.url}/_emulator/knobs/reset`, { method: "POST" });
    const current = await (await fetch(`${emulators.bentley.url}/_emulator/knobs`)).json();
    expect(current).toEqual({
      accessTokenLifetimeSeconds: 3600,
      authorizationCodeLifetimeSeconds: null,
      refreshRotation: true,
      clockAheadSeconds: 0,
      latency: null,
      failure: null,
    });
  });
});

describe("startEmulators", () => {
  it("fails cleanly when a port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(startEmulators({ ports: [0, port, 0] })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe("gatehouse emulate", () => {
  it("validates GATEHOUSE_EMULATOR_PORTS", () => {
    expect(parseEmulatorPorts(undefined)).toEqual([8091, 8092, 8093]);
    expect(parseEmulatorPorts(" 9001, 9002 ,9003")).toEqual([9001, 9002, 9003]);
    expect(parseEmulatorPorts("0,0,0")).toEqual([0, 0, 0]);
    for (const bad of [
      "8091,8092",
      "8091,8092,abc",
      "8091,8092,70000",
      "8091,8091,8093",
      "1,2,3,4",
      "-1,2,3",
    ]) {
      expect(() => parseEmulatorPorts(bad)).toThrow(/GATEHOUSE_EMULATOR_PORTS/);
    }
  });

  it("validates GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS", () => {
    expect(parseWebRedirectUris(undefined)).toEqual([]);
    expect(parseWebRedirectUris("http://localhost:4000/cb, https://app.example/cb")).toEqual([
      "http://localhost:4000/cb",
      "https://app.example/cb",
    ]);
    for (const bad of ["/relative", "ftp://x/cb", "http://x/cb#frag"]) {
      expect(() => parseWebRedirectUris(bad)).toThrow(/GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS/);
    }
  });

  it("prints each base URL and its clients, then stops", async () => {
    let output = "";
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const dataDir = mkdtempSync(join(tmpdir(), "gh-emulate-"));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const running = emulate({
      env: {
        GATEHOUSE_EMULATOR_PORTS: "0,0,0",
        GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS: "http://localhost:4000/cb",
        GATEHOUSE_DATA_DIR: dataDir,
      },
      out,
      until: stopped,
    });
    await vi.waitFor(() => expect(output).toContain("Seequent Evo: http://127.0.0.1:"), { timeout: 20_000 });
    expect(output).toMatch(/Bentley iTwin \(IMS\): http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/Autodesk Platform Services: http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain("sandbox-web (secret sandbox-web-secret)");
    expect(output).toContain("sandbox-service (secret sandbox-service-secret)");
    expect(output).toContain("exactly http://localhost:4000/cb");
    expect(output).toContain("http://127.0.0.1:<any port>/signin-callback");
    // The state goes to $GATEHOUSE_DATA_DIR/emulators when --data-dir is not given.
    expect(output).toContain(`State: ${join(dataDir, "emulators")} (kept across restarts`);
    expect(existsSync(join(dataDir, "emulators", "emulators.sqlite"))).toBe(true);
    const bentleyUrl = /Bentley iTwin \(IMS\): (\S+)/.exec(output)![1]!;
    expect((await fetch(`${bentleyUrl}/.well-known/openid-configuration`)).status).toBe(200);
    stop();
    await expect(running).resolves.toBe(0);
    await expect(fetch(`${bentleyUrl}/.well-known/openid-configuration`)).rejects.toThrow();
  });
});
