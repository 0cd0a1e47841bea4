import * as oauth from "oauth4webapi";
import { createOAuthContext, type OAuthClientConfig } from "./client.ts";
import { OAuthError, toOAuthErrorSync } from "./errors.ts";

/**
 * Checks the redirect back from the authorization endpoint with oauth4webapi's validateAuthResponse and
 * returns its parameters, ready for `exchangeCode`. In order:
 * - `iss` (RFC 9207), when the config names an issuer: a different one is `issuer_mismatch`, and so is a
 *   missing one when `requireIssInAuthResponse` is set. Without a known issuer `iss` is not checked.
 * - `state` must equal `expectedState`: otherwise `state_mismatch` (a forged or replayed callback; an
 *   `error=` with the wrong state is reported as `state_mismatch` too, since it cannot be trusted).
 * - `error=`: `access_denied` (with the provider's description in details), or the matching code.
 */
export function validateCallback(
  cfg: OAuthClientConfig,
  callbackUrl: URL,
  expectedState: string,
): URLSearchParams {
  const ctx = createOAuthContext(cfg);
  if (!expectedState) {
    throw new OAuthError(
      "state_mismatch",
      "No authorization was started for this callback (no expected state)",
    );
  }
  const params = new URLSearchParams(callbackUrl.searchParams);
  if (!ctx.issuerKnown) params.delete("iss");
  try {
    return oauth.validateAuthResponse(ctx.as, ctx.client, params, expectedState);
  } catch (err) {
    if (err instanceof oauth.OperationProcessingError && err.code === oauth.INVALID_RESPONSE) {
      throw classifyRejectedCallback(ctx.as, params, expectedState) ?? toOAuthErrorSync(err);
    }
    throw toOAuthErrorSync(err);
  }
}

// oauth4webapi reports both iss and state failures as INVALID_RESPONSE; the parameters tell which it was.
function classifyRejectedCallback(
  as: oauth.AuthorizationServer,
  params: URLSearchParams,
  expectedState: string,
): OAuthError | undefined {
  const issuer = issuerMismatch(as, params, {
    missing: "The callback has no iss parameter, but this provider always sends one",
    other: "The callback's iss is not this integration's issuer",
  });
  if (issuer) return issuer;
  if (params.get("state") !== expectedState) {
    return new OAuthError(
      "state_mismatch",
      params.has("state")
        ? "The callback's state does not match the authorization this browser started"
        : "The callback has no state parameter",
    );
  }
  return undefined;
}

/**
 * The RFC 9207 rule: `issuer_mismatch` when the answer's `iss` is another issuer, or is missing from a
 * provider that always sends one; undefined when `iss` is as it should be. `messages` say it to the reader.
 */
export function issuerMismatch(
  as: oauth.AuthorizationServer,
  params: URLSearchParams,
  messages: { missing: string; other: string },
): OAuthError | undefined {
  const iss = params.get("iss");
  if (iss === null ? as.authorization_response_iss_parameter_supported !== true : iss === as.issuer) {
    return undefined;
  }
  return new OAuthError("issuer_mismatch", iss === null ? messages.missing : messages.other, {
    expectedIssuer: as.issuer,
    receivedIssuer: iss,
  });
}
