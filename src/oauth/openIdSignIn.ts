import * as oauth from "oauth4webapi";
import { GatehouseError } from "../errors.ts";
import { issuerMismatch } from "./callback.ts";
import { DEFAULT_TIMEOUT_MS } from "./client.ts";
import { OAuthError, checkProviderAvailable, toOAuthError, toOAuthErrorSync } from "./errors.ts";

/**
 * Signing people in to the hub with OpenID Connect (authorization code, PKCE S256, state, nonce), on
 * oauth4webapi, a certified relying party library: every check of the callback, the token answer and the
 * ID token (iss, aud, azp, exp, iat, nonce; its signature against the provider's JWKS) is oauth4webapi's.
 * Each network step is split as elsewhere in src/oauth: a `…Request()` sends, a `process…()` decides.
 */

/** This hub as a client of its identity provider. */
export interface RelyingParty {
  issuer: string;
  clientId: string;
  /** Null: a public client (PKCE only). */
  clientSecret: string | null;
  scopes: readonly string[];
  redirectUri: string;
  timeoutMs?: number;
  /** Plain http towards this machine only (tests, the sandbox's emulator). */
  allowInsecureHttp?: boolean;
}

/** A sign-in to send the browser off with; keep `codeVerifier` and `nonce` for the callback. */
export interface SignInStart {
  url: string;
  state: string;
  codeVerifier: string;
  nonce: string;
}

/** Who signed in, as the provider vouches for them. */
export interface SignedInClaims {
  issuer: string;
  subject: string;
  /** The ID token's claims, with the userinfo endpoint's added where the ID token lacked them. */
  claims: Record<string, unknown>;
  idToken: string;
}

/** Tolerated clock difference with the provider when checking exp, iat and auth_time. */
const CLOCK_TOLERANCE_SECONDS = 60;

function options(rp: RelyingParty): { signal: AbortSignal; [oauth.allowInsecureRequests]?: boolean } {
  const signal = AbortSignal.timeout(rp.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return rp.allowInsecureHttp ? { signal, [oauth.allowInsecureRequests]: true } : { signal };
}

function client(rp: RelyingParty): oauth.Client {
  return { client_id: rp.clientId, [oauth.clockTolerance]: CLOCK_TOLERANCE_SECONDS };
}

/** Basic unless the provider only takes the secret in the body; none for a public client. */
function clientAuth(as: oauth.AuthorizationServer, rp: RelyingParty): oauth.ClientAuth {
  if (!rp.clientSecret) return oauth.None();
  const methods = as.token_endpoint_auth_methods_supported;
  return methods && !methods.includes("client_secret_basic") && methods.includes("client_secret_post")
    ? oauth.ClientSecretPost(rp.clientSecret)
    : oauth.ClientSecretBasic(rp.clientSecret);
}

/** GET `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4). */
export async function discoveryRequest(rp: RelyingParty): Promise<Response> {
  try {
    return await oauth.discoveryRequest(new URL(rp.issuer), { ...options(rp), algorithm: "oidc" });
  } catch (err) {
    throw await toOAuthError(err);
  }
}

/** The provider's metadata; oauth4webapi checks that its `issuer` is exactly the configured one (§4.3). */
export async function processDiscoveryResponse(
  rp: RelyingParty,
  response: Response,
): Promise<oauth.AuthorizationServer> {
  try {
    await checkProviderAvailable(response);
    const as = await oauth.processDiscoveryResponse(new URL(rp.issuer), response);
    if (typeof as.authorization_endpoint !== "string" || typeof as.token_endpoint !== "string") {
      throw new OAuthError(
        "invalid_provider_response",
        "The provider's metadata names no authorization or token endpoint",
      );
    }
    return as;
  } catch (err) {
    throw await toOAuthError(err);
  }
}

/** The authorization request (OpenID Connect Core §3.1.2.1) with PKCE S256 (RFC 7636), state and nonce. */
export async function signInUrl(as: oauth.AuthorizationServer, rp: RelyingParty): Promise<SignInStart> {
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: rp.clientId,
    redirect_uri: rp.redirectUri,
    response_type: "code",
    scope: rp.scopes.join(" "),
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  }).toString();
  return { url: url.href, state, codeVerifier, nonce };
}

/**
 * Checks the redirect back (oauth4webapi's validateAuthResponse): `state`, an `error=` the provider sent,
 * and `iss` (RFC 9207) — required when the provider's metadata advertises it, and equal to the issuer
 * whenever present. Throws `state_invalid`, `issuer_mismatch` or the provider's error.
 */
export function checkSignInCallback(
  as: oauth.AuthorizationServer,
  rp: RelyingParty,
  callback: URL,
  expectedState: string,
): URLSearchParams {
  try {
    return oauth.validateAuthResponse(as, client(rp), callback.searchParams, expectedState);
  } catch (err) {
    if (err instanceof oauth.OperationProcessingError && err.code === oauth.INVALID_RESPONSE) {
      const issuer = issuerMismatch(as, callback.searchParams, {
        missing: "The sign-in answer names no issuer, but this identity provider always sends one",
        other: "The sign-in answer comes from another issuer than this hub's identity provider",
      });
      if (issuer) throw issuer;
      throw new GatehouseError(
        "state_invalid",
        "The sign-in answer does not belong to the sign-in this browser started",
      );
    }
    throw toOAuthErrorSync(err);
  }
}

/** POST the code to the token endpoint with the PKCE verifier (RFC 6749 §4.1.3). */
export async function signInCodeRequest(
  as: oauth.AuthorizationServer,
  rp: RelyingParty,
  callbackParams: URLSearchParams,
  codeVerifier: string,
): Promise<Response> {
  try {
    return await oauth.authorizationCodeGrantRequest(
      as,
      client(rp),
      clientAuth(as, rp),
      callbackParams,
      rp.redirectUri,
      codeVerifier,
      options(rp),
    );
  } catch (err) {
    throw await toOAuthError(err);
  }
}

const idTokenRefusal = (err: oauth.OperationProcessingError): GatehouseError | null => {
  if (
    err.code !== oauth.JWT_CLAIM_COMPARISON &&
    err.code !== oauth.JWT_TIMESTAMP_CHECK &&
    err.code !== oauth.KEY_SELECTION
  ) {
    return null;
  }
  const claim = (err.cause as { claim?: unknown } | undefined)?.claim;
  const which = typeof claim === "string" ? claim : null;
  const words: Record<string, string> = {
    iss: "was issued by another issuer than this hub's identity provider",
    aud: "was issued to another client than this hub",
    azp: "was issued to another client than this hub",
    nonce: "does not belong to the sign-in this browser started (nonce)",
    exp: "has expired",
    iat: "was issued too long ago",
    nbf: "is not valid yet",
    auth_time: "is from a sign-in too long ago",
  };
  const why = which
    ? (words[which] ?? `has an unexpected ${which} claim`)
    : "is not signed by the provider's keys";
  return new GatehouseError(
    "invalid_id_token",
    `The identity provider's ID token ${why}`,
    which ? { claim: which } : {},
  );
};

/**
 * Decides the token answer: oauth4webapi checks it and its ID token (required; iss, aud, azp, exp, iat and
 * the `nonce` this browser's sign-in sent), then the ID token's signature is checked against the
 * provider's JWKS. Throws `invalid_id_token` naming the failed claim, or the provider's OAuth error.
 */
export async function processSignInResponse(
  as: oauth.AuthorizationServer,
  rp: RelyingParty,
  response: Response,
  nonce: string,
): Promise<{ claims: oauth.IDToken; idToken: string; accessToken: string }> {
  try {
    await checkProviderAvailable(response);
    const result = await oauth.processAuthorizationCodeResponse(as, client(rp), response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    await oauth.validateApplicationLevelSignature(as, response, options(rp));
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    return { claims, idToken: result.id_token!, accessToken: result.access_token };
  } catch (err) {
    if (err instanceof oauth.OperationProcessingError) {
      const refusal = idTokenRefusal(err);
      if (refusal) throw refusal;
    }
    throw await toOAuthError(err);
  } finally {
    if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
  }
}

/** The userinfo endpoint's claims for `subject` (OpenID Connect Core §5.3), or null when there is none. */
export async function userinfoClaims(
  as: oauth.AuthorizationServer,
  rp: RelyingParty,
  accessToken: string,
  subject: string,
): Promise<Record<string, unknown> | null> {
  if (typeof as.userinfo_endpoint !== "string") return null;
  try {
    const response = await oauth.userInfoRequest(as, client(rp), accessToken, options(rp));
    await checkProviderAvailable(response);
    return await oauth.processUserInfoResponse(as, client(rp), subject, response);
  } catch (err) {
    throw await toOAuthError(err);
  }
}

/**
 * The provider's end-session URL (RP-Initiated Logout 1.0 §2), or null when it has no
 * `end_session_endpoint`. GET, as a top-level navigation: only that carries the provider's own session
 * cookie (SameSite=Lax) to it, and providers such as Okta require `id_token_hint`, so the ID token rides in
 * this one URL (it names the user to the provider that issued it; it opens nothing at the hub).
 */
export function endSessionUrl(
  as: oauth.AuthorizationServer,
  rp: RelyingParty,
  idToken: string | null,
  postLogoutRedirectUri: string,
): string | null {
  if (typeof as.end_session_endpoint !== "string") return null;
  const url = new URL(as.end_session_endpoint);
  url.searchParams.set("client_id", rp.clientId);
  url.searchParams.set("post_logout_redirect_uri", postLogoutRedirectUri);
  if (idToken) url.searchParams.set("id_token_hint", idToken);
  return url.href;
}
