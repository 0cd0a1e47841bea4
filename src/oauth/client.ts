import * as oauth from "oauth4webapi";
import { OAuthError, checkProviderAvailable, toOAuthError } from "./errors.ts";

/** Everything the engine needs to talk to one authorization server as one client. */
export interface OAuthClientConfig {
  /** The issuer identifier; when known, the callback's `iss` and any ID token's `iss` must equal it. */
  issuer?: string | null;
  authorizationUrl?: string | null;
  tokenUrl: string;
  revocationUrl?: string | null;
  introspectionUrl?: string | null;
  /** OpenID Connect userinfo endpoint, when known (discovery names it). */
  userinfoUrl?: string | null;
  clientId: string;
  clientSecret?: string | null;
  tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post" | "none";
  /** Per outbound request, covering the answer's body too. Default 10 000. */
  timeoutMs?: number;
  /** Used when the token answer has no `expires_in`. Default 3600. */
  defaultExpiresInSeconds?: number;
  /** Permit plain-http endpoints: emulators and tests on http://127.0.0.1. */
  allowInsecureHttp?: boolean;
  /** The provider always sends `iss` in the authorization response (RFC 9207): a missing one is refused. */
  requireIssInAuthResponse?: boolean;
}

/** The tokens one grant produced. Times are epoch milliseconds. */
export interface TokenSet {
  accessToken: string;
  /** "Bearer" for bearer tokens (whatever case the provider used), otherwise as sent. */
  tokenType: string;
  refreshToken: string | null;
  expiresAt: number;
  scopes: string[];
  idToken: string | null;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;

// ID tokens come straight from the token endpoint over TLS, so oauth4webapi checks their claims, not their
// signature; without discovery we do not know the provider's algorithm, so accept the asymmetric ones.
const ID_TOKEN_ALGS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** The oauth4webapi objects for one config, plus the transport options every request carries. */
export interface OAuthContext {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  /** False when the config names no issuer: `as.issuer` is then a stand-in and `iss` is not checked. */
  issuerKnown: boolean;
  /** Fresh per request: the timeout clock starts when the request is sent. */
  requestOptions(): { signal: AbortSignal; [oauth.allowInsecureRequests]?: boolean };
}

function clientAuthFor(cfg: OAuthClientConfig): oauth.ClientAuth {
  if (cfg.tokenEndpointAuthMethod === "none") return oauth.None();
  if (!cfg.clientSecret) {
    throw new OAuthError(
      "invalid_configuration",
      `Client authentication ${cfg.tokenEndpointAuthMethod} needs a client secret`,
    );
  }
  return cfg.tokenEndpointAuthMethod === "client_secret_post"
    ? oauth.ClientSecretPost(cfg.clientSecret)
    : oauth.ClientSecretBasic(cfg.clientSecret);
}

function checkedUrl(
  name: string,
  value: string | null | undefined,
  cfg: OAuthClientConfig,
): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OAuthError("invalid_configuration", `${name} "${value}" is not an absolute URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && cfg.allowInsecureHttp)) {
    throw new OAuthError(
      "invalid_configuration",
      `${name} must use https (plain http only with allowInsecureHttp): "${value}"`,
    );
  }
  return value;
}

/**
 * Builds the oauth4webapi authorization-server metadata, client and client authentication from a config
 * written by hand (URLs, no discovery). Checks that the token URL is set, every URL is absolute https (or
 * http with `allowInsecureHttp`), and a secret exists for the secret-based auth methods.
 */
export function createOAuthContext(cfg: OAuthClientConfig): OAuthContext {
  const tokenUrl = checkedUrl("tokenUrl", cfg.tokenUrl, cfg);
  if (!tokenUrl) throw new OAuthError("invalid_configuration", "tokenUrl is required");
  if (!cfg.clientId) throw new OAuthError("invalid_configuration", "clientId is required");
  const issuer = checkedUrl("issuer", cfg.issuer, cfg);
  const metadata: Record<string, oauth.JsonValue> = {
    issuer: issuer ?? new URL(tokenUrl).origin,
    token_endpoint: tokenUrl,
    id_token_signing_alg_values_supported: ID_TOKEN_ALGS,
  };
  const optional = {
    authorization_endpoint: checkedUrl("authorizationUrl", cfg.authorizationUrl, cfg),
    revocation_endpoint: checkedUrl("revocationUrl", cfg.revocationUrl, cfg),
    introspection_endpoint: checkedUrl("introspectionUrl", cfg.introspectionUrl, cfg),
    userinfo_endpoint: checkedUrl("userinfoUrl", cfg.userinfoUrl, cfg),
  };
  for (const [field, value] of Object.entries(optional)) if (value) metadata[field] = value;
  if (cfg.requireIssInAuthResponse) metadata.authorization_response_iss_parameter_supported = true;

  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const insecure = cfg.allowInsecureHttp === true;
  return {
    as: metadata as unknown as oauth.AuthorizationServer,
    client: { client_id: cfg.clientId },
    clientAuth: clientAuthFor(cfg),
    issuerKnown: issuer !== undefined,
    requestOptions: () =>
      insecure
        ? { signal: AbortSignal.timeout(timeoutMs), [oauth.allowInsecureRequests]: true }
        : { signal: AbortSignal.timeout(timeoutMs) },
  };
}

/** Throws `invalid_configuration` naming the endpoint when the config has no URL for it. */
export function requireEndpoint(ctx: OAuthContext, field: string, name: string): void {
  if (typeof ctx.as[field] !== "string") {
    throw new OAuthError("invalid_configuration", `This integration has no ${name} configured`);
  }
}

/** The two RFC 7009 / RFC 7662 calls: they send one token, and maybe its type hint, to one endpoint. */
type TokenHintCall = typeof oauth.revocationRequest | typeof oauth.introspectionRequest;

/**
 * Sends `token` (with `token_type_hint` when given) to the endpoint `call` posts to; returns the raw answer.
 * Throws `invalid_configuration` naming the endpoint when the config has no URL for it.
 */
export async function tokenHintRequest(
  cfg: OAuthClientConfig,
  call: TokenHintCall,
  endpoint: { field: string; name: string },
  token: string,
  hint?: string,
): Promise<Response> {
  const ctx = createOAuthContext(cfg);
  requireEndpoint(ctx, endpoint.field, endpoint.name);
  return send(() =>
    call(ctx.as, ctx.client, ctx.clientAuth, token, {
      ...ctx.requestOptions(),
      additionalParameters: hint ? { token_type_hint: hint } : undefined,
    }),
  );
}

/**
 * Runs a network step: whatever `fetch` or oauth4webapi throws (timeout, refused connection, bad URL)
 * comes out as an OAuthError.
 */
export async function send(request: () => Promise<Response>): Promise<Response> {
  try {
    return await request();
  } catch (err) {
    throw await toOAuthError(err);
  }
}

/**
 * Runs a checking step: 5xx and 429 first become `provider_unavailable`, then `check` (an oauth4webapi
 * process…Response) decides, and its errors come out as OAuthErrors.
 */
export async function check<T>(response: Response, process: (response: Response) => Promise<T>): Promise<T> {
  try {
    await checkProviderAvailable(response);
    return await process(response);
  } catch (err) {
    throw await toOAuthError(err);
  } finally {
    if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
  }
}

/** Endpoints learned from a discovery document, ready to merge into an OAuthClientConfig. */
export interface DiscoveredEndpoints {
  issuer: string;
  authorizationUrl: string | null;
  tokenUrl: string;
  revocationUrl: string | null;
  introspectionUrl: string | null;
  userinfoUrl: string | null;
  requireIssInAuthResponse: boolean;
}

/** Options for `discover`. */
export interface DiscoverOptions {
  timeoutMs?: number;
  allowInsecureHttp?: boolean;
  /** Where the document names the revocation endpoint (APS: `revoke_endpoint`). */
  revocationDiscoveryField?: string;
  /** `oidc` (`/.well-known/openid-configuration`, default) or `oauth2` (RFC 8414). */
  algorithm?: "oidc" | "oauth2";
}

/**
 * Fetches the issuer's discovery document; oauth4webapi checks that it is JSON and that its `issuer` is the
 * one asked for. Throws `invalid_provider_response` when it has no token endpoint.
 */
export async function discover(issuer: string, options: DiscoverOptions = {}): Promise<DiscoveredEndpoints> {
  const probe = createOAuthContext({
    issuer,
    tokenUrl: issuer,
    clientId: "discovery",
    tokenEndpointAuthMethod: "none",
    timeoutMs: options.timeoutMs,
    allowInsecureHttp: options.allowInsecureHttp,
  });
  const issuerUrl = new URL(issuer);
  const response = await send(() =>
    oauth.discoveryRequest(issuerUrl, { ...probe.requestOptions(), algorithm: options.algorithm ?? "oidc" }),
  );
  const as = await check(response, (r) => oauth.processDiscoveryResponse(issuerUrl, r));
  const text = (field: string): string | null => {
    const value = as[field];
    return typeof value === "string" && value !== "" ? value : null;
  };
  const tokenUrl = text("token_endpoint");
  if (!tokenUrl) {
    throw new OAuthError("invalid_provider_response", "The discovery document names no token_endpoint");
  }
  return {
    issuer: as.issuer,
    authorizationUrl: text("authorization_endpoint"),
    tokenUrl,
    revocationUrl:
      text(options.revocationDiscoveryField ?? "revocation_endpoint") ?? text("revocation_endpoint"),
    introspectionUrl: text("introspection_endpoint"),
    userinfoUrl: text("userinfo_endpoint"),
    requireIssInAuthResponse: as.authorization_response_iss_parameter_supported === true,
  };
}
