/**
 * From the flags `login` and `token` share (--provider, --client-id, --scopes, --issuer) to an
 * OAuthClientConfig, the scopes to ask for, and the issuer that keys the token cache. Presets are used as
 * data; `--issuer` moves a preset to another base URL (emulators, a staging IMS), and the generic preset
 * learns its endpoints by discovery.
 */
import { discover, OAuthError, type OAuthClientConfig } from "../oauth/index.ts";
import {
  getPreset,
  isProviderId,
  listPresets,
  normalizeScopes,
  presetForBaseUrl,
  type ProviderPreset,
} from "../providers/index.ts";
import { toCliError, usageError } from "./cliError.ts";
import type { CachedGrant } from "./tokenCache.ts";

export interface ClientFlags {
  provider?: string;
  clientId?: string;
  scopes?: string;
  issuer?: string;
}

export interface ResolvedClient {
  preset: ProviderPreset;
  /** Cache key part: the issuer, or the token URL's origin when none is known. */
  issuer: string;
  scopes: string[];
  oauth: OAuthClientConfig;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
export const OUTBOUND_TIMEOUT_MS = 10_000;

/** True for http://localhost, 127.0.0.1 and [::1]: the only places plain http is allowed. */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

export function presetIds(): string {
  return listPresets()
    .map((p) => p.id)
    .join(", ");
}

/** `--scopes "a b"` or `--scopes a,b`. */
export function parseScopes(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(/[\s,]+/).filter((s) => s !== "");
}

/** Checks --issuer: an absolute https URL, or http on a loopback host. Returns it without a trailing slash. */
export function checkIssuer(value: string): string {
  const url = URL.parse(value);
  // Echo the flag without what may be a secret (userinfo, query, fragment): errors reach terminals and CI logs.
  const shown = url ? `${url.protocol}//${url.host}${url.pathname}` : value;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw usageError(`--issuer must be an absolute https URL (got "${shown}")`);
  }
  if (url.protocol === "http:" && !isLoopbackUrl(url)) {
    throw usageError(`--issuer must use https; plain http is allowed only for localhost (got "${shown}")`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw usageError(`--issuer must not carry a query, a fragment or credentials (got "${shown}")`);
  }
  return value.replace(/\/+$/, "");
}

export function requirePreset(provider: string | undefined, issuer: string | undefined): ProviderPreset {
  if (provider === undefined) {
    if (issuer !== undefined) return getPreset("generic");
    throw usageError(`--provider is required (one of ${presetIds()})`);
  }
  if (!isProviderId(provider)) {
    throw usageError(`unknown provider "${provider}": use one of ${presetIds()}`);
  }
  return getPreset(provider);
}

export function requireClientId(clientId: string | undefined, command: string): string {
  if (clientId === undefined || clientId.trim() === "") {
    throw usageError(
      `--client-id is required: the id of your app registered at the provider (see gatehouse ${command} --help)`,
    );
  }
  return clientId.trim();
}

/**
 * The scopes to ask for: --scopes or the preset's defaults, normalized by the preset's quirks; a sign-in
 * also asks for the refresh-token scope (`offline_access`) where the provider needs it for a refresh token.
 */
export function requestedScopes(
  preset: ProviderPreset,
  flag: string | undefined,
  grant: CachedGrant,
): string[] {
  const asked = parseScopes(flag) ?? [...preset.defaults.scopes];
  const scopes = normalizeScopes(preset, asked, grant);
  const refreshScope = preset.quirks.refreshTokenScope;
  if (grant === "authorization_code" && refreshScope && !scopes.includes(refreshScope)) {
    scopes.push(refreshScope);
  }
  return scopes;
}

/** True when every URL is https or on a loopback host: then plain http may be allowed for the loopback ones. */
export function allowsInsecure(...urls: (string | null | undefined)[]): boolean {
  return urls.every((u) => {
    if (!u) return true;
    const url = URL.parse(u);
    return url !== null && (url.protocol === "https:" || isLoopbackUrl(url));
  });
}

/**
 * Resolves the flags for `grant`. Talks to the network only for the generic preset (discovery at
 * --issuer). Usage errors exit 2; an unreachable issuer is a failure (exit 1).
 */
export async function resolveClient(
  flags: ClientFlags,
  grant: CachedGrant,
  command: string,
  clientSecret: string | null = null,
): Promise<ResolvedClient> {
  const issuerFlag = flags.issuer === undefined ? undefined : checkIssuer(flags.issuer);
  const basePreset = requirePreset(flags.provider, issuerFlag);
  const clientId = requireClientId(flags.clientId, command);

  let endpoints: {
    issuer: string | null;
    authorizationUrl: string | null;
    tokenUrl: string;
    revocationUrl: string | null;
    introspectionUrl: string | null;
    requireIssInAuthResponse: boolean;
  };
  let preset = basePreset;
  if (basePreset.defaults.tokenUrl === "") {
    if (!issuerFlag) {
      throw usageError(
        `the ${basePreset.id} provider needs --issuer (its discovery document names the endpoints)`,
      );
    }
    try {
      endpoints = await discover(issuerFlag, {
        timeoutMs: OUTBOUND_TIMEOUT_MS,
        allowInsecureHttp: isLoopbackUrl(new URL(issuerFlag)),
        revocationDiscoveryField: basePreset.quirks.revocationDiscoveryField,
      });
    } catch (err) {
      if (err instanceof OAuthError && err.code === "provider_unavailable") {
        throw toCliError(err, { server: issuerFlag });
      }
      throw toCliError(
        new OAuthError(
          err instanceof OAuthError ? err.code : "invalid_provider_response",
          `${issuerFlag} has no usable discovery document (${(err as Error).message})`,
        ),
      );
    }
  } else {
    if (issuerFlag) preset = presetForBaseUrl(basePreset, issuerFlag);
    const d = preset.defaults;
    endpoints = {
      issuer: d.issuer || null,
      authorizationUrl: d.authorizationUrl || null,
      tokenUrl: d.tokenUrl,
      revocationUrl: d.revocationUrl || null,
      introspectionUrl: d.introspectionUrl || null,
      requireIssInAuthResponse: preset.quirks.issuesIssInAuthResponse,
    };
  }

  const scopes = requestedScopes(preset, flags.scopes, grant);

  const oauth: OAuthClientConfig = {
    ...endpoints,
    clientId,
    clientSecret,
    tokenEndpointAuthMethod:
      grant === "authorization_code" ? "none" : preset.defaults.tokenEndpointAuthMethod,
    timeoutMs: OUTBOUND_TIMEOUT_MS,
    allowInsecureHttp: allowsInsecure(endpoints.issuer, endpoints.tokenUrl, endpoints.authorizationUrl),
  };
  return {
    preset,
    issuer: endpoints.issuer ?? new URL(endpoints.tokenUrl).origin,
    scopes,
    oauth,
  };
}
