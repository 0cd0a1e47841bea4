/**
 * The checks behind an integration's Test button, each split as the OAuth engine is: a `…Request()` that
 * talks to the provider and returns the raw Response, and a `judge…()` that decides what the answer means in
 * words an admin can act on. The judges are pure and tested with `new Response(...)`.
 */
import { randomBytes } from "node:crypto";
import * as oauth from "oauth4webapi";
import { z } from "zod";
import {
  clientCredentialsRequest,
  createOAuthContext,
  processClientCredentialsResponse,
  type OAuthClientConfig,
} from "../../oauth/index.ts";

import type { CheckId, CheckResult, CheckStatus } from "../../api/integrations.ts";

export type { CheckId, CheckResult, CheckStatus };

export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  discovery: "Discovery document",
  authorization_endpoint: "Authorization endpoint",
  token_endpoint: "Token endpoint",
  client_credentials: "Client credentials",
};

export const PROBE_TIMEOUT_MS = 5_000;
const TEXT_LIMIT = 200;

export const result = (
  id: CheckId,
  status: CheckStatus,
  message: string,
  url: string | null = null,
): CheckResult => ({ id, title: CHECK_TITLES[id], status, message, url });

/**
 * Provider text made fit to show: one line, at most 200 characters, and the client secret replaced — a
 * provider may echo what it was sent, and the secret is write-only.
 */
export function providerText(value: unknown, secret: string | null | undefined): string {
  if (typeof value !== "string") return "";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const text = withoutSecret(value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim(), secret);
  return text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT - 1)}…` : text;
}

/** `text` with every occurrence of the client secret replaced. */
export function withoutSecret(text: string, secret: string | null | undefined): string {
  return secret ? text.split(secret).join("[client secret]") : text;
}

/** Why a request got no HTTP answer at all, in words (fetch throws a TypeError with the cause's code). */
export function describeNetworkError(err: unknown, url: string): string {
  const host = URL.canParse(url) ? new URL(url).host : url;
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `No answer from ${host} within ${PROBE_TIMEOUT_MS / 1000} s.`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : "";
  if (code === "ECONNREFUSED") return `Nothing answers at ${host} (connection refused).`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `The host name of ${host} does not resolve.`;
  if (code === "ECONNRESET") return `${host} closed the connection without answering.`;
  if (/CERT|SSL|TLS/.test(code)) return `The TLS connection to ${host} failed (${code}).`;
  return `${host} could not be reached${code ? ` (${code})` : ""}.`;
}

const isJson = (response: Response) => /[/+]json\b/i.test(response.headers.get("content-type") ?? "");
const contentType = (response: Response) =>
  (response.headers.get("content-type") ?? "no content type").split(";")[0]!.trim();

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function redirectMessage(response: Response, what: string): string {
  const location = response.headers.get("location");
  return `The ${what} redirects (HTTP ${response.status}${location ? ` to ${providerText(location, null)}` : ""}); enter the final URL instead.`;
}

// ---- discovery ----

/** Where an issuer's OpenID Connect discovery document lives (a path on the issuer is kept). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

export function discoveryRequest(issuer: string): Promise<Response> {
  return fetch(discoveryUrl(issuer), {
    headers: { accept: "application/json" },
    redirect: "manual",
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  });
}

const discoveryDocument = z.looseObject({
  issuer: z.string(),
  token_endpoint: z.string().optional(),
  authorization_endpoint: z.string().optional(),
});

/** Reachable, JSON, and naming the integration's issuer (and, if it says, the same token endpoint). */
export async function judgeDiscovery(
  response: Response,
  expected: { issuer: string; tokenUrl: string },
): Promise<CheckResult> {
  const url = discoveryUrl(expected.issuer);
  const fail = (message: string) => result("discovery", "failed", message, url);
  if (response.status >= 300 && response.status < 400) return fail(redirectMessage(response, "issuer"));
  if (response.status === 404) {
    return fail(
      `There is no discovery document at ${url} (HTTP 404). Check Issuer under Advanced settings; if the provider publishes none, leave Issuer empty.`,
    );
  }
  if (!response.ok) return fail(`The discovery document answered HTTP ${response.status}.`);
  if (!isJson(response)) {
    return fail(`The discovery URL answered ${contentType(response)}, not a JSON discovery document.`);
  }
  const parsed = discoveryDocument.safeParse(await readJson(response));
  if (!parsed.success) return fail("The discovery document is not valid JSON with an issuer.");
  const document = parsed.data;
  if (document.issuer !== expected.issuer) {
    return fail(
      `The discovery document says its issuer is ${providerText(document.issuer, null)}, but this integration expects ${expected.issuer}. Sign-ins would fail with issuer_mismatch: set Issuer under Advanced settings to the provider's value if this is the right server.`,
    );
  }
  if (document.token_endpoint && document.token_endpoint !== expected.tokenUrl) {
    return result(
      "discovery",
      "warning",
      `Found; the issuer matches. The document names the token endpoint ${providerText(document.token_endpoint, null)}, but this integration uses ${expected.tokenUrl}.`,
      url,
    );
  }
  return result("discovery", "passed", "Found; the issuer matches.", url);
}

// ---- authorization endpoint ----

/** A bare GET: the browser is sent here, so it must answer (an error page for no parameters is fine). */
export function authorizationEndpointRequest(authorizationUrl: string): Promise<Response> {
  return fetch(authorizationUrl, { redirect: "manual", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
}

export function judgeAuthorizationEndpoint(response: Response, url: string): CheckResult {
  if (response.status >= 500) {
    return result("authorization_endpoint", "failed", `It answered HTTP ${response.status}.`, url);
  }
  if (response.status === 404) {
    return result(
      "authorization_endpoint",
      "failed",
      "It answered HTTP 404: check the authorization URL.",
      url,
    );
  }
  return result("authorization_endpoint", "passed", `It answers (HTTP ${response.status}).`, url);
}

// ---- token endpoint ----

/**
 * A code exchange with a made-up code, authenticated as the integration's client: a working token endpoint
 * refuses it with an OAuth error body (`invalid_grant`), and tells on the way whether the client
 * credentials were accepted. Nothing is granted, nothing is stored.
 */
export function tokenEndpointRequest(cfg: OAuthClientConfig, redirectUri: string): Promise<Response> {
  const ctx = createOAuthContext({ ...cfg, timeoutMs: PROBE_TIMEOUT_MS });
  // oauth4webapi sends a code exchange only for callback parameters it has checked itself; a made-up
  // callback with no state and no iss passes that check and keeps its client authentication in one place.
  const callback = oauth.validateAuthResponse(
    { ...ctx.as, authorization_response_iss_parameter_supported: false },
    ctx.client,
    new URLSearchParams({ code: `gatehouse-test-${randomBytes(12).toString("base64url")}` }),
    oauth.skipStateCheck,
  );
  return oauth.authorizationCodeGrantRequest(
    ctx.as,
    ctx.client,
    ctx.clientAuth,
    callback,
    redirectUri,
    randomBytes(32).toString("base64url"),
    ctx.requestOptions(),
  );
}

const oauthErrorBody = z.looseObject({ error: z.string(), error_description: z.unknown().optional() });

/** What a token endpoint answered: a failure already put in words, an OAuth error, or a 2xx JSON body. */
type TokenAnswer =
  | { kind: "failed"; check: CheckResult }
  | { kind: "error"; error: string; said: string }
  | { kind: "ok"; body: unknown };

async function readTokenAnswer(
  response: Response,
  id: CheckId,
  url: string,
  secret: string | null,
): Promise<TokenAnswer> {
  const fail = (message: string): TokenAnswer => ({
    kind: "failed",
    check: result(id, "failed", message, url),
  });
  if (response.status >= 300 && response.status < 400) return fail(redirectMessage(response, "token URL"));
  if (response.status >= 500) {
    return fail(`The token endpoint answered HTTP ${response.status}: the provider has a problem.`);
  }
  const body = isJson(response) ? await readJson(response) : undefined;
  if (response.ok && body && typeof body === "object") return { kind: "ok", body };
  const error = oauthErrorBody.safeParse(body);
  if (!error.success) {
    return fail(
      `The token endpoint answered HTTP ${response.status} with ${contentType(response)}, not an OAuth answer: is this the token URL?`,
    );
  }
  const description = providerText(error.data.error_description, secret);
  const code = providerText(error.data.error, secret);
  return { kind: "error", error: code, said: description ? `${code}: ${description}` : code };
}

export const clientRefused = (said: string) =>
  `The token endpoint refused the client (${said}): check the client ID and secret, and Client authentication under Advanced settings.`;

export async function judgeTokenEndpoint(
  response: Response,
  url: string,
  secret: string | null,
): Promise<CheckResult> {
  const answer = await readTokenAnswer(response, "token_endpoint", url, secret);
  if (answer.kind === "failed") return answer.check;
  const fail = (message: string) => result("token_endpoint", "failed", message, url);
  if (answer.kind === "ok") {
    return fail("The token endpoint granted a token for a made-up code: this is not a real OAuth server.");
  }
  switch (answer.error) {
    case "invalid_grant":
      return result(
        "token_endpoint",
        "passed",
        "It answers with OAuth errors and accepted the client credentials (a made-up code was refused as invalid_grant).",
        url,
      );
    case "invalid_client":
      return fail(clientRefused(answer.said));
    case "unauthorized_client":
    case "unsupported_grant_type":
      return fail(
        `The client may not use the authorization code grant (${answer.said}): allow it at the provider.`,
      );
    default:
      return result(
        "token_endpoint",
        "warning",
        `It answers with OAuth errors, but not the expected invalid_grant (${answer.said}).`,
        url,
      );
  }
}

// ---- client credentials (service integrations) ----

/** The real grant: a service integration is only useful if this works. */
export function clientCredentialsProbeRequest(cfg: OAuthClientConfig, scopes: readonly string[]) {
  return clientCredentialsRequest({ ...cfg, timeoutMs: PROBE_TIMEOUT_MS }, { scopes });
}

/** The check, and the token obtained (to revoke at once; it is never stored or shown). */
export async function judgeClientCredentials(
  response: Response,
  cfg: OAuthClientConfig,
  scopes: readonly string[],
  now = Date.now(),
): Promise<{ check: CheckResult; accessToken: string | null }> {
  const url = cfg.tokenUrl;
  const secret = cfg.clientSecret ?? null;
  const failed = (message: string) => ({
    check: result("client_credentials", "failed", message, url),
    accessToken: null,
  });
  const answer = await readTokenAnswer(response.clone(), "client_credentials", url, secret);
  if (answer.kind === "failed") return { check: answer.check, accessToken: null };
  if (answer.kind === "error") {
    if (answer.error === "invalid_client") return failed(clientRefused(answer.said));
    if (answer.error === "invalid_scope") {
      return failed(`The provider refused the scopes ${scopes.join(" ") || "(none)"} (${answer.said}).`);
    }
    if (answer.error === "unauthorized_client" || answer.error === "unsupported_grant_type") {
      return failed(
        `The client may not use client credentials (${answer.said}): register it as a service app at the provider.`,
      );
    }
    return failed(`The provider refused the grant (${answer.said}).`);
  }
  try {
    const tokens = await processClientCredentialsResponse(cfg, response, { scopes, now });
    const minutes = Math.max(0, Math.round((tokens.expiresAt - now) / 60_000));
    const granted = tokens.scopes.length ? tokens.scopes.join(" ") : "none named";
    return {
      check: result(
        "client_credentials",
        "passed",
        `Obtained a ${tokens.tokenType} token valid for ${minutes} minutes (scopes: ${granted}).`,
        url,
      ),
      accessToken: tokens.accessToken,
    };
  } catch (err) {
    const message = err instanceof Error ? providerText(err.message, secret) : "invalid answer";
    return failed(`The token endpoint's answer is not a valid token response (${message}).`);
  }
}
