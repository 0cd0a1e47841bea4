/** The OAuth 2.0 grants a preset can be used with. */
export type GrantType = "authorization_code" | "refresh_token" | "client_credentials";

export type { ProviderDefaults, ProviderId, TokenEndpointAuthMethod } from "../api/integrations.ts";
import type { ProviderDefaults, ProviderId } from "../api/integrations.ts";

/** One scope the admin can pick, with what it grants in one line. */
export interface ScopeDescription {
  scope: string;
  description: string;
}

/**
 * Behaviour that differs between platforms, as named data. The engine and the hub read these flags;
 * nothing anywhere branches on the provider id.
 */
export interface ProviderQuirks {
  /** Each refresh returns a new refresh token and the old one stops working (rotation). */
  singleUseRefreshTokens: boolean;
  /** Name of the discovery-document field that holds the revocation endpoint. */
  revocationDiscoveryField: string;
  /** Scopes that must be in every request (added by `normalizeScopes`). */
  alwaysRequiredScopes: string[];
  /** The scope that must be asked for to get a refresh token; null when one is always issued. */
  refreshTokenScope: string | null;
  /** Scopes a client-credentials (service) client may not ask for (dropped by `normalizeScopes`). */
  serviceForbiddenScopes: string[];
  /** The authorization response always carries `iss` (RFC 9207), so a missing one is an error. */
  issuesIssInAuthResponse: boolean;
}

/** A provider preset: plain data, served by `GET /api/admin/providers` and run by the one OAuth engine. */
export interface ProviderPreset {
  id: ProviderId;
  displayName: string;
  defaults: ProviderDefaults;
  scopeCatalog: ScopeDescription[];
  grantTypes: GrantType[];
  docsUrl: string;
  /** The platform's real API hosts (an entry may start with `*.` for a subdomain pattern). */
  apiBaseUrls: string[];
  quirks: ProviderQuirks;
}
