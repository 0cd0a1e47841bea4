import * as oauth from "oauth4webapi";
import { check, createOAuthContext, send, type OAuthClientConfig, type TokenSet } from "./client.ts";
import { toTokenSet } from "./tokenSet.ts";

/** What the code exchange must repeat from the authorization request. */
export interface CodeExchangeOptions {
  /** Exactly the redirect URI of the authorization request. */
  redirectUri: string;
  /** The PKCE verifier from `buildAuthorizationUrl`; null when PKCE was off. */
  codeVerifier: string | null;
  /** The nonce from `buildAuthorizationUrl`; the ID token must carry it. */
  nonce?: string | null;
  /** The scopes asked for; reported when the answer has no `scope`. */
  scopes?: readonly string[];
}

/** Sends the authorization-code grant (with the PKCE verifier) to the token endpoint; returns the raw answer. */
export async function codeExchangeRequest(
  cfg: OAuthClientConfig,
  callbackParams: URLSearchParams,
  options: CodeExchangeOptions,
): Promise<Response> {
  const ctx = createOAuthContext(cfg);
  return send(() =>
    oauth.authorizationCodeGrantRequest(
      ctx.as,
      ctx.client,
      ctx.clientAuth,
      callbackParams,
      options.redirectUri,
      options.codeVerifier ?? oauth.nopkce,
      ctx.requestOptions(),
    ),
  );
}

/**
 * Checks the token endpoint's answer to a code exchange with oauth4webapi (status, JSON shape, token type,
 * and the ID token's claims, nonce included, when one came) and returns the TokenSet.
 */
export async function processCodeExchangeResponse(
  cfg: OAuthClientConfig,
  response: Response,
  options: Pick<CodeExchangeOptions, "nonce" | "scopes"> & { now?: number } = {},
): Promise<TokenSet> {
  const ctx = createOAuthContext(cfg);
  const answer = await check(response, (r) =>
    oauth.processAuthorizationCodeResponse(ctx.as, ctx.client, r, {
      expectedNonce: options.nonce ?? oauth.expectNoNonce,
    }),
  );
  return toTokenSet(cfg, answer, { scopes: options.scopes, now: options.now });
}

/**
 * Exchanges the code from a validated callback (`validateCallback`) for tokens. A wrong verifier, redirect
 * URI or a used or expired code is `invalid_grant`; bad client credentials are `invalid_client`.
 */
export async function exchangeCode(
  cfg: OAuthClientConfig,
  callbackParams: URLSearchParams,
  options: CodeExchangeOptions,
): Promise<TokenSet> {
  const now = Date.now();
  const response = await codeExchangeRequest(cfg, callbackParams, options);
  return processCodeExchangeResponse(cfg, response, { nonce: options.nonce, scopes: options.scopes, now });
}
