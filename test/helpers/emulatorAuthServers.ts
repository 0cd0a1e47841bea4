/**
 * The emulated authorization servers as the `emulators-*` suites speak to them:
 * all three emulators started for the file (with sandbox-web's redirect URI learnt after the start, as the
 * hub does), the two authorization servers described side by side, and the raw steps of sandbox-web's
 * code flow (sign-in through the real forms, exchange, refresh) with plain fetch, not the OAuth engine.
 *
 *   const emulators = useEmulators();
 *   describe.each(authPlatforms(emulators))("$name authorization server", (p) => {
 *     const { url, webSignIn, exchange, refresh } = authServerSteps(p);
 *     …
 *   });
 */
import { afterAll, afterEach, beforeAll, describe } from "vitest";
import { startEmulators, type Emulator, type Emulators } from "../../src/emulators/index.ts";
import { signInAtEmulator } from "./browser.ts";
import { basic, pkce, postForm as postFormTyped, type FormAnswer } from "./emulatorOAuth.ts";

export { basic, pkce } from "./emulatorOAuth.ts";

export const WEB_REDIRECT = "http://127.0.0.1:45001/callback";
export const ALICE = { email: "alice@example.com", password: "sandbox" };
export const ALICE_ID = "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e01";
export const FORM = "application/x-www-form-urlencoded";

/** Starts the emulators before the file's tests and stops them after; call at the top of the file. */
export function useEmulators(): () => Emulators {
  let emulators: Emulators | undefined;
  beforeAll(async () => {
    emulators = await startEmulators({
      ports: [0, 0, 0],
      webRedirectUris: ["http://127.0.0.1:1/placeholder"],
    });
    // As the hub does: redirect URIs learnt after the emulators started.
    emulators.setWebRedirectUris([WEB_REDIRECT]);
  });
  afterAll(async () => {
    await emulators?.close();
  });
  return () => {
    if (!emulators) throw new Error("the emulators are not started yet (use them inside a test)");
    return emulators;
  };
}

export interface Platform {
  name: "bentley" | "autodesk";
  emulator: () => Emulator;
  paths: { authorize: string; token: string; revoke: string; introspect: string; jwks: string };
  userScope: string;
  serviceScope: string;
  /** APS issues a refresh token on every three-legged exchange; IMS only with offline_access. */
  expectsRefreshWithoutOfflineAccess: boolean;
}

/** Bentley IMS and Autodesk APS, for `describe.each`. */
export function authPlatforms(emulators: () => Emulators): Platform[] {
  return [
    {
      name: "bentley",
      emulator: () => emulators().bentley,
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
      emulator: () => emulators().autodesk,
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
}

/**
 * A platform's answer read field by field, as these suites pin wire shapes one field at a time.
 * (The emulator suites' lint settings allow the loose reads; the answer itself is emulatorOAuth's.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseAnswer = Omit<FormAnswer, "json"> & { json(): any };

/** A form POST (10 s hang guard), its JSON body loosely typed. */
export async function postForm(
  url: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LooseAnswer> {
  const answer = await postFormTyped(url, body, headers);
  return { ...answer, json: () => JSON.parse(answer.text) as unknown };
}

/** sandbox-web's steps at one authorization server. */
export function authServerSteps(p: Platform) {
  const url = (path: string) => `${p.emulator().url}${path}`;

  function authorizationUrl(params: Record<string, string>): string {
    const u = new URL(url(p.paths.authorize));
    u.search = new URLSearchParams({ response_type: "code", state: "s-123", ...params }).toString();
    return u.href;
  }

  /** Signs alice in through the real forms; the callback URL and the PKCE verifier. */
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

  /** The code exchange, the client authenticating in the form body or with HTTP Basic. */
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

  /** Signs alice in (webSignIn) and exchanges the code; the token endpoint's JSON answer. */
  async function webTokens(scope = p.userScope): Promise<ReturnType<LooseAnswer["json"]>> {
    const { callback, verifier } = await webSignIn(scope);
    return (await exchange(callback.searchParams.get("code")!, verifier)).json();
  }

  /** A client-credentials request for `scope`, sandbox-service authenticating with HTTP Basic and `secret`. */
  const clientCredentials = (scope = p.serviceScope, secret = "sandbox-service-secret") =>
    postForm(
      url(p.paths.token),
      { grant_type: "client_credentials", scope },
      { authorization: basic("sandbox-service", secret) },
    );

  /** RFC 7662 introspection of `token`, the client authenticating with the `auth` headers. */
  const introspect = (token: string, auth: Record<string, string>) =>
    postForm(url(p.paths.introspect), { token }, auth);

  /** RFC 7009 revocation of `token` (with its type hint, if given), the client authenticating with `auth`. */
  const revoke = (token: string, auth: Record<string, string>, hint?: "access_token" | "refresh_token") =>
    postForm(url(p.paths.revoke), hint ? { token, token_type_hint: hint } : { token }, auth);

  async function refresh(refreshToken: string) {
    return postForm(
      url(p.paths.token),
      { grant_type: "refresh_token", refresh_token: refreshToken },
      { authorization: basic("sandbox-web", "sandbox-web-secret") },
    );
  }

  return {
    url,
    authorizationUrl,
    webSignIn,
    exchange,
    webTokens,
    clientCredentials,
    introspect,
    revoke,
    refresh,
  };
}

/** A raw GET (no redirects followed, 10 s hang guard): status, content type and body text. */
export async function getRaw(
  base: string,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type") ?? "", text };
}

/**
 * One describe block per authorization server ("<name> authorization server: <what>"), each test starting
 * from the emulator's default knobs; `body` gets the platform and its protocol steps.
 */
export function describeAuthServers(
  emulators: () => Emulators,
  what: string,
  body: (p: Platform, steps: ReturnType<typeof authServerSteps>) => void,
): void {
  describe.each(authPlatforms(emulators))(`$name authorization server: ${what}`, (p) => {
    afterEach(() => {
      p.emulator().knobs.reset();
    });
    body(p, authServerSteps(p));
  });
}
