import * as oauth from "oauth4webapi";
import { check, tokenHintRequest, type OAuthClientConfig } from "./client.ts";

/** RFC 7009 token type hints. */
export type TokenTypeHint = "access_token" | "refresh_token";

const REVOCATION_ENDPOINT = { field: "revocation_endpoint", name: "revocation URL" };

/** Sends an RFC 7009 revocation for `token`; returns the raw answer. Needs a revocation URL. */
export function revocationRequest(
  cfg: OAuthClientConfig,
  token: string,
  hint?: TokenTypeHint,
): Promise<Response> {
  return tokenHintRequest(cfg, oauth.revocationRequest, REVOCATION_ENDPOINT, token, hint);
}

/** Checks a revocation answer with oauth4webapi: 200 is success (whatever the body), anything else an error. */
export async function processRevocationResponse(response: Response): Promise<void> {
  await check(response, (r) => oauth.processRevocationResponse(r));
}

/**
 * Revokes a token at the provider (RFC 7009). Revoking a refresh token usually ends the whole grant.
 * Throws `invalid_configuration` when the integration has no revocation URL.
 */
export async function revokeToken(
  cfg: OAuthClientConfig,
  token: string,
  hint?: TokenTypeHint,
): Promise<void> {
  const response = await revocationRequest(cfg, token, hint);
  await processRevocationResponse(response);
}
