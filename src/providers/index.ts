import { GatehouseError } from "../errors.ts";
import { autodeskAps } from "./autodesk-aps.ts";
import { bentleyItwin } from "./bentley-itwin.ts";
import { generic } from "./generic.ts";
import { seequentEvo } from "./seequent-evo.ts";
import type { GrantType, ProviderDefaults, ProviderId, ProviderPreset } from "./types.ts";

export type {
  GrantType,
  ProviderDefaults,
  ProviderId,
  ProviderPreset,
  ProviderQuirks,
  ScopeDescription,
  TokenEndpointAuthMethod,
} from "./types.ts";

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const presets: readonly ProviderPreset[] = deepFreeze([generic, bentleyItwin, autodeskAps, seequentEvo]);
const byId = new Map<string, ProviderPreset>(presets.map((preset) => [preset.id, preset]));

/** True when `id` names a preset. */
export function isProviderId(id: string): id is ProviderId {
  return byId.has(id);
}

/** The preset with this id (frozen). Throws GatehouseError `unknown_provider` (400) for any other id. */
export function getPreset(id: string): ProviderPreset {
  const preset = byId.get(id);
  if (!preset) {
    throw new GatehouseError("unknown_provider", `Unknown provider preset "${id}"`, {
      provider: id,
      known: [...byId.keys()],
    });
  }
  return preset;
}

/** Every preset, generic first (frozen). */
export function listPresets(): ProviderPreset[] {
  return [...presets];
}

/**
 * Points `url` at `base`, keeping its path and query: `https://ims.bentley.com/connect/token` with base
 * `http://127.0.0.1:8091` becomes `http://127.0.0.1:8091/connect/token`. A path on `base` is kept as a
 * prefix. "" stays "" (an unknown URL stays unknown); an origin-only URL gets no trailing slash, so an
 * issuer keeps its exact spelling.
 */
function rebase(url: string, base: string): string {
  if (url === "") return url;
  const rest = url.slice(new URL(url).origin.length);
  return base.replace(/\/+$/, "") + rest;
}

/**
 * The same preset with every authorization-server URL and the issuer moved to `authBaseUrl` (same paths),
 * e.g. to run against the emulators on http://127.0.0.1:<port>. `apiBaseUrls` keep naming the real API
 * hosts: they are what the sandbox maps from. Throws GatehouseError `invalid_base_url` (400) for a base
 * that is not an absolute http(s) URL.
 */
export function presetForBaseUrl(preset: ProviderPreset, authBaseUrl: string): ProviderPreset {
  let parsed: URL;
  try {
    parsed = new URL(authBaseUrl);
  } catch {
    throw new GatehouseError("invalid_base_url", `"${authBaseUrl}" is not an absolute URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new GatehouseError("invalid_base_url", `"${authBaseUrl}" is not an http(s) URL`);
  }
  const { defaults } = preset;
  const moved: ProviderDefaults = {
    ...defaults,
    scopes: [...defaults.scopes],
    authorizationUrl: rebase(defaults.authorizationUrl, authBaseUrl),
    tokenUrl: rebase(defaults.tokenUrl, authBaseUrl),
    revocationUrl: rebase(defaults.revocationUrl, authBaseUrl),
    introspectionUrl: rebase(defaults.introspectionUrl, authBaseUrl),
    issuer: rebase(defaults.issuer, authBaseUrl),
  };
  return deepFreeze({ ...structuredClone(preset), defaults: moved });
}

/**
 * The scopes to send for `grantType`, by the preset's quirks: the always-required scopes are added
 * (after the given ones, when missing), and for client credentials the scopes a service may not ask for, and the
 * refresh-token scope (a service gets no refresh token), are dropped. Duplicates and blanks go; order is
 * otherwise kept.
 */
export function normalizeScopes(
  preset: ProviderPreset,
  scopes: readonly string[],
  grantType: GrantType,
): string[] {
  const { alwaysRequiredScopes, serviceForbiddenScopes, refreshTokenScope } = preset.quirks;
  const dropped = new Set<string>(
    grantType === "client_credentials"
      ? [...serviceForbiddenScopes, ...(refreshTokenScope ? [refreshTokenScope] : [])]
      : [],
  );
  const result: string[] = [];
  for (const scope of [...scopes, ...alwaysRequiredScopes]) {
    const trimmed = scope.trim();
    if (trimmed && !dropped.has(trimmed) && !result.includes(trimmed)) result.push(trimmed);
  }
  return result;
}
