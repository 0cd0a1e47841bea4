/** Integrations as the admin API shows them (`/api/admin/integrations`, `/api/admin/providers`). */

/** The preset ids; also the `provider` field of an integration. */
export type ProviderId = "generic" | "bentley-itwin" | "autodesk-aps" | "seequent-evo";

/** The grant an integration uses. */
export type IntegrationGrant = "authorization_code" | "client_credentials";

/** How the client proves its identity at the token endpoint (RFC 7591 names). */
export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

/** An integration's settings, the same where it is stored and wherever it is shown (the secret apart). */
export interface IntegrationSettings {
  id: string;
  name: string;
  provider: string;
  description: string;
  apps: string[];
  grantType: IntegrationGrant;
  authorizationUrl: string | null;
  tokenUrl: string;
  revocationUrl: string | null;
  introspectionUrl: string | null;
  issuer: string | null;
  clientId: string;
  scopes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  pkce: boolean;
}

/** An integration as every read shows it: the secret replaced by `clientSecretSet`, plus the redirect URI. */
export interface IntegrationView extends IntegrationSettings {
  clientSecretSet: boolean;
  /** The hub's callback URL, to register at the provider. */
  redirectUri: string;
  /** Stored user connections (what a delete removes). */
  connectionCount: number;
  createdAt: string;
  updatedAt: string;
}

/** In the sandbox, the emulator a preset's defaults point at. */
export interface SandboxNote {
  emulator: "bentley" | "autodesk" | "seequent";
  url: string;
  /** "Sandbox: these point at the local Bentley emulator (http://127.0.0.1:8091)." */
  message: string;
  /** The real platform's issuer the preset has outside the sandbox. */
  realIssuer: string;
}

/** Endpoint URLs, issuer, scopes and auth method an integration starts from. Strings are "" when unknown. */
export interface ProviderDefaults {
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  introspectionUrl: string;
  issuer: string;
  scopes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
}

/** A preset as `GET /api/admin/providers` serves it. */
export interface PresetView {
  id: ProviderId;
  displayName: string;
  defaults: ProviderDefaults;
  scopeCatalog: { scope: string; description: string }[];
  grantTypes: string[];
  docsUrl: string;
  /** Null outside the sandbox. */
  sandbox: SandboxNote | null;
}

/** One app an integration is, or could be, used by; `GET /api/admin/integrations/{name}/apps`. */
export interface IntegrationAppLink {
  app: string;
  title: string | null;
  /** The hub has loaded an app of this name. */
  loaded: boolean;
  /** "name": assigned to this app; "all": assigned to every app; null: not assigned. */
  assigned: "name" | "all" | null;
  /** The app's config lists the integration. */
  listed: boolean;
  /** What keeps the app from using the integration, or null when it can. */
  problem: string | null;
}

export interface IntegrationApps {
  integration: string;
  /** False when this hub loads no apps: assignments cannot be compared with app configs. */
  appsLoaded: boolean;
  apps: IntegrationAppLink[];
}

export type CheckStatus = "passed" | "warning" | "failed" | "skipped";
export type CheckId = "discovery" | "authorization_endpoint" | "token_endpoint" | "client_credentials";

/** One check's outcome. `message` never holds a token or the client secret. */
export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  message: string;
  /** The URL that was tried, when there was one. */
  url: string | null;
}

/** `POST /api/admin/integrations/{name}/test`. */
export interface IntegrationCheckReport {
  integration: string;
  /** True when no check failed (warnings and skipped checks allowed). */
  ok: boolean;
  checks: CheckResult[];
}
