// The emulated authorization servers' code flow over real HTTP on 127.0.0.1, spoken to with raw fetch
// (not the OAuth engine), so these tests pin the wire behaviour the engine and the hub rely on: sign-in
// through the real login and consent forms, the exchange, refresh rotation with reuse detection, refresh
// scopes, and the refusals (redirect URI, expired or replayed code, PKCE, consent, password).
import { decodeJwt } from "jose";
import { expect, it } from "vitest";
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

const emulators = useEmulators();

describeAuthServers(
  emulators,
  "the code flow",
  (p, { url, authorizationUrl, webSignIn, exchange, webTokens, refresh }) => {
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
        const set = await webTokens(scope);
        expect(typeof set.access_token).toBe("string");
        if (p.expectsRefreshWithoutOfflineAccess) expect(typeof set.refresh_token).toBe("string");
        else expect(set.refresh_token).toBeUndefined();
      },
    );

    it("accepts a narrower scope on refresh and refuses a wider one", async () => {
      const set = await webTokens();
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
      const set = await webTokens();
      const first = await refresh(set.refresh_token);
      expect(first.status).toBe(200);
      const second = await refresh(set.refresh_token);
      expect(second.status).toBe(200);
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
  },
);
