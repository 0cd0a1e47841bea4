/**
 * Raw OAuth against the emulators (plain fetch, not the OAuth engine), for tests that pin the emulators'
 * wire behaviour: form posts, HTTP Basic, PKCE, the sandbox-web code flow through the real sign-in forms,
 * refresh, client credentials and revocation.
 */
import { createHash, randomBytes } from "node:crypto";
import { signInAtEmulator } from "./browser.ts";

export const SANDBOX_PASSWORD = "sandbox";

/** The authorization server paths of one platform. */
export interface AuthPaths {
  authorize: string;
  token: string;
  revoke: string;
  introspect: string;
}

export const BENTLEY_PATHS: AuthPaths = {
  authorize: "/connect/authorize",
  token: "/connect/token",
  revoke: "/connect/revocation",
  introspect: "/connect/introspect",
};

export const AUTODESK_PATHS: AuthPaths = {
  authorize: "/authentication/v2/authorize",
  token: "/authentication/v2/token",
  revoke: "/authentication/v2/revoke",
  introspect: "/authentication/v2/introspect",
};

export const WEB_CLIENT = { id: "sandbox-web", secret: "sandbox-web-secret" };
export const SERVICE_CLIENT = { id: "sandbox-service", secret: "sandbox-service-secret" };

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

export interface FormAnswer {
  status: number;
  headers: Headers;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export async function postForm(
  url: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<FormAnswer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

export interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope?: string;
}

/**
 * sandbox-web's code flow with PKCE at `base` as `email`, through the emulator's real sign-in and consent
 * pages; `redirectUri` must be registered (`setWebRedirectUris`). Returns the token answer.
 */
export async function webCodeFlow(
  base: string,
  paths: AuthPaths,
  options: { redirectUri: string; scope: string; email: string },
): Promise<TokenAnswer> {
  const { verifier, challenge } = pkce();
  const authorize = new URL(`${base}${paths.authorize}`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: WEB_CLIENT.id,
    redirect_uri: options.redirectUri,
    scope: options.scope,
    state: randomBytes(8).toString("hex"),
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const { finalUrl } = await signInAtEmulator(authorize.href, {
    email: options.email,
    password: SANDBOX_PASSWORD,
  });
  const code = new URL(finalUrl).searchParams.get("code");
  if (!code) throw new Error(`no code in the callback: ${finalUrl}`);
  const answer = await postForm(
    `${base}${paths.token}`,
    { grant_type: "authorization_code", code, redirect_uri: options.redirectUri, code_verifier: verifier },
    { authorization: basic(WEB_CLIENT.id, WEB_CLIENT.secret) },
  );
  if (answer.status !== 200) throw new Error(`code exchange: ${answer.status} ${answer.text}`);
  return answer.json<TokenAnswer>();
}

/** sandbox-web's refresh; the raw answer (a refused one included). */
export function refreshAt(base: string, paths: AuthPaths, refreshToken: string): Promise<FormAnswer> {
  return postForm(
    `${base}${paths.token}`,
    { grant_type: "refresh_token", refresh_token: refreshToken },
    { authorization: basic(WEB_CLIENT.id, WEB_CLIENT.secret) },
  );
}

/** A client-credentials token for sandbox-service (throws unless the server issues one). */
export async function serviceToken(base: string, paths: AuthPaths, scope: string): Promise<TokenAnswer> {
  const answer = await postForm(
    `${base}${paths.token}`,
    { grant_type: "client_credentials", scope },
    { authorization: basic(SERVICE_CLIENT.id, SERVICE_CLIENT.secret) },
  );
  if (answer.status !== 200) throw new Error(`client credentials: ${answer.status} ${answer.text}`);
  return answer.json<TokenAnswer>();
}

/** Revokes `token` as the confidential client that holds it (RFC 7009). */
export async function revokeAt(
  base: string,
  paths: AuthPaths,
  token: string,
  client: { id: string; secret: string } = WEB_CLIENT,
): Promise<number> {
  const answer = await postForm(
    `${base}${paths.revoke}`,
    { token },
    { authorization: basic(client.id, client.secret) },
  );
  return answer.status;
}

/** The status of a GET with `token` as bearer (to ask an emulator's API whether it accepts the token). */
export async function statusWithBearer(url: string, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return response.status;
}

/**
 * After closing servers in this process, lets this process's HTTP clients see the connections end before
 * anything listens on the same ports again: the kernel has the FINs queued once `close()` resolves, and
 * two check phases put one poll phase between them, where fetch's pool reads them and drops those sockets
 * (otherwise the next request to the restarted server goes out on a dead keep-alive socket).
 */
export async function letClientsSeeClosedConnections(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}
