import * as oauth from "oauth4webapi";
import { z } from "zod";
import { GatehouseError } from "../errors.ts";

/**
 * The stable codes of OAuthError (their HTTP statuses are in the registry, src/errors/codes.json):
 *
 * | code | meaning |
 * | --- | --- |
 * | `invalid_grant` | code or refresh token rejected (expired, used, revoked, PKCE verifier or redirect URI wrong) |
 * | `access_denied` | the user (or the provider) refused the authorization |
 * | `state_mismatch` | callback `state` missing or not the one this flow started with |
 * | `issuer_mismatch` | callback `iss` (RFC 9207) is not the configured issuer, or missing where required |
 * | `invalid_client` | the provider rejected the client credentials: the integration is misconfigured |
 * | `unauthorized_client` | the client may not use this grant at the provider: misconfigured |
 * | `invalid_scope` | a requested scope is unknown or not allowed |
 * | `invalid_request` | the provider, or this engine, found the request malformed |
 * | `provider_unavailable` | network error, timeout, 5xx or 429 (`retryAfterSeconds` in details when sent) |
 * | `invalid_provider_response` | the provider answered something that is not valid OAuth |
 * | `provider_error` | any other RFC 6749 error code from the provider (`providerError` in details) |
 * | `invalid_configuration` | the config cannot work: missing endpoint or secret, plain http without opt-in |
 */
export type OAuthErrorCode =
  | "invalid_grant"
  | "access_denied"
  | "state_mismatch"
  | "issuer_mismatch"
  | "invalid_client"
  | "unauthorized_client"
  | "invalid_scope"
  | "invalid_request"
  | "provider_unavailable"
  | "invalid_provider_response"
  | "provider_error"
  | "invalid_configuration";

/**
 * An OAuth step failed. `code` is one of OAuthErrorCode; `details` may carry `providerError`,
 * `providerDescription`, `providerStatus`, `retryAfterSeconds`, `reason` — never a token or secret.
 */
export class OAuthError extends GatehouseError {
  declare readonly code: OAuthErrorCode;

  constructor(
    code: OAuthErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(code, message, details, options);
  }
}

/** RFC 6749 error codes (token and authorization endpoints) that keep their name as our code. */
const passThroughCodes = new Set<string>([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "invalid_scope",
  "invalid_request",
  "access_denied",
]);

/**
 * The OAuthError for an RFC 6749 `error` value (from a token-endpoint body or an authorization response):
 * the well-known codes keep their name, `server_error` and `temporarily_unavailable` mean the provider is
 * unavailable, anything else is `provider_error`.
 */
export function oauthErrorFromProviderCode(
  error: string,
  description: string | undefined,
  providerStatus?: number,
): OAuthError {
  const details: Record<string, unknown> = { providerError: error };
  if (description) details.providerDescription = description;
  if (providerStatus !== undefined) details.providerStatus = providerStatus;
  const said = description ? `${error}: ${description}` : error;
  if (passThroughCodes.has(error)) {
    return new OAuthError(error as OAuthErrorCode, `The provider answered ${said}`, details);
  }
  if (error === "server_error" || error === "temporarily_unavailable") {
    return new OAuthError("provider_unavailable", `The provider is unavailable (${said})`, details);
  }
  return new OAuthError("provider_error", `The provider answered ${said}`, details);
}

/**
 * Seconds from a `Retry-After` header (delta-seconds or an HTTP date), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function unavailable(response: Response): OAuthError {
  const details: Record<string, unknown> = { providerStatus: response.status };
  const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"));
  if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
  return new OAuthError("provider_unavailable", `The provider answered HTTP ${response.status}`, details);
}

/**
 * Throws `provider_unavailable` when the provider answered 5xx or 429 (with `retryAfterSeconds` when it
 * sent Retry-After). Run before any other check: an overloaded server's body says nothing about the grant.
 */
export async function checkProviderAvailable(response: Response): Promise<void> {
  if (response.status < 500 && response.status !== 429) return;
  await response.body?.cancel().catch(() => undefined);
  throw unavailable(response);
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
}

const configurationCodes = new Set<string>([
  oauth.HTTP_REQUEST_FORBIDDEN,
  oauth.REQUEST_PROTOCOL_FORBIDDEN,
  oauth.MISSING_SERVER_METADATA,
  oauth.INVALID_SERVER_METADATA,
]);

/** An RFC 6749 §5.2 error body; either field may be missing or of the wrong type in a provider's answer. */
const errorBody = z.object({
  error: z.string().optional().catch(undefined),
  error_description: z.string().optional().catch(undefined),
});

/**
 * Maps anything an oauth4webapi step or `fetch` threw onto an OAuthError. Timeouts and network failures
 * become `provider_unavailable`; provider error bodies keep their RFC 6749 code; malformed answers become
 * `invalid_provider_response`. oauth4webapi's own errors are not kept as `cause`: they can hold the response
 * body, tokens included, and a logger that prints causes must never see them. Anything else is returned
 * unchanged (a bug, not a provider problem).
 */
export async function toOAuthError(err: unknown): Promise<unknown> {
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a challenge: the JSON body, when there is one, names the error better than the header.
    const fromHeader = err.cause.find((challenge) => challenge.parameters.error)?.parameters.error;
    let body: unknown;
    try {
      body = await err.response.json();
    } catch {
      body = undefined;
    }
    const said = errorBody.safeParse(body);
    const error = (said.success ? said.data.error : undefined) ?? fromHeader ?? "invalid_client";
    const description = said.success ? said.data.error_description : undefined;
    return oauthErrorFromProviderCode(error, description, err.status);
  }
  return toOAuthErrorSync(err);
}

/** `toOAuthError` for errors that need no body read (all but WWW-Authenticate challenges). */
export function toOAuthErrorSync(err: unknown): unknown {
  if (err instanceof OAuthError) return err;
  if (isAbort(err)) {
    return new OAuthError("provider_unavailable", "The provider did not answer in time", {
      reason: "timeout",
    });
  }
  if (err instanceof oauth.ResponseBodyError) {
    if (err.status >= 500 || err.status === 429) return unavailable(err.response);
    return oauthErrorFromProviderCode(err.error, err.error_description, err.status);
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const fromHeader = err.cause.find((challenge) => challenge.parameters.error)?.parameters.error;
    return oauthErrorFromProviderCode(fromHeader ?? "invalid_client", undefined, err.status);
  }
  if (err instanceof oauth.AuthorizationResponseError) {
    return oauthErrorFromProviderCode(err.error, err.error_description);
  }
  if (err instanceof oauth.UnsupportedOperationError) {
    return new OAuthError(
      "invalid_provider_response",
      `The provider's answer is not supported: ${err.message}`,
    );
  }
  if (err instanceof oauth.OperationProcessingError) {
    if (isAbort(err.cause)) {
      return new OAuthError("provider_unavailable", "The provider did not finish its answer in time", {
        reason: "timeout",
      });
    }
    if (err.code && configurationCodes.has(err.code)) {
      return new OAuthError("invalid_configuration", err.message);
    }
    return new OAuthError("invalid_provider_response", `The provider's answer is not valid: ${err.message}`, {
      check: err.code,
    });
  }
  if (err instanceof TypeError) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_INVALID_ARG")) {
      return new OAuthError("invalid_request", err.message);
    }
    // fetch() rejects with a bare TypeError ("fetch failed") on DNS, connection and TLS failures.
    return new OAuthError(
      "provider_unavailable",
      "The provider could not be reached",
      { reason: "network" },
      {
        cause: err,
      },
    );
  }
  return err;
}
