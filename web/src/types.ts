/** Shapes of the hub's JSON API (/api/openapi.json) as the UI reads them. */

export type GrantType = "authorization_code" | "client_credentials";
export type AuthMethod = "client_secret_basic" | "client_secret_post" | "none";

export interface ProviderPreset {
  id: string;
  displayName: string;
  defaults: {
    authorizationUrl: string;
    tokenUrl: string;
    revocationUrl: string;
    issuer: string;
    scopes: string[];
    tokenEndpointAuthMethod: AuthMethod;
  };
  scopeCatalog: { scope: string; description: string }[];
  grantTypes: string[];
  docsUrl: string;
  /** In the sandbox: the emulator the defaults point at (GET /api/admin/providers). */
  sandbox?: { emulator: string; url: string; message: string; realIssuer: string } | null;
}

/** GET /api/admin/sandbox: the emulators' endpoints, for the wizard's Generic step. */
export interface SandboxInfo {
  sandbox: boolean;
  emulators: {
    name: string;
    displayName: string;
    url: string;
    authorizationUrl: string | null;
    tokenUrl: string | null;
    revocationUrl: string | null;
    introspectionUrl: string | null;
    issuer: string | null;
    apiBaseUrls: string[];
    signInFor: string[];
  }[];
  clients?: {
    web: { clientId: string; clientSecret: string };
    service: { clientId: string; clientSecret: string };
  };
}

/** GET /api/admin/integrations/{name}/apps: which apps may use it, and what keeps each from doing so. */
export interface IntegrationApps {
  integration: string;
  appsLoaded: boolean;
  apps: {
    app: string;
    title: string | null;
    loaded: boolean;
    assigned: "name" | "all" | null;
    listed: boolean;
    problem: string | null;
  }[];
}

/** POST /api/admin/integrations/{name}/test. */
export interface CheckReport {
  integration: string;
  ok: boolean;
  checks: {
    id: string;
    title: string;
    status: "passed" | "warning" | "failed" | "skipped";
    message: string;
    url: string | null;
  }[];
}

export interface Integration {
  name: string;
  provider: string;
  description: string;
  apps: string[];
  grantType: GrantType;
  authorizationUrl: string | null;
  tokenUrl: string;
  revocationUrl: string | null;
  issuer: string | null;
  clientId: string;
  clientSecretSet?: boolean;
  scopes: string[];
  tokenEndpointAuthMethod: AuthMethod;
  pkce: boolean;
  redirectUri?: string;
  /** Number of users with a stored connection; the field name is read leniently (see connectionCount). */
  connectionCount?: number;
  connectedUsers?: number;
  connections?: number;
}

/** The number of connected users if the hub reports it, under any of the names it might use. */
export function connectionCount(integration: Integration): number | null {
  for (const value of [integration.connectionCount, integration.connectedUsers, integration.connections]) {
    if (typeof value === "number") return value;
  }
  return null;
}

export interface AppSummary {
  name: string;
  title: string;
  description?: string;
  integrations: {
    name: string;
    connected: boolean;
    status?: string;
    grantType?: GrantType | null;
    displayName?: string | null;
    loginUrl?: string | null;
    problem?: string | null;
  }[];
}

export interface Connection {
  integration: string;
  status: "connected" | "reconnect_required";
  scopes: string[];
  expiresAt: number | string | null;
  connectedAt: number | string | null;
  lastRefreshedAt: number | string | null;
  /** The provider account, where the provider says. */
  account?: { subject: string | null; email: string | null; name: string | null } | null;
}

export interface HubUser {
  id: string | number;
  email: string;
  role: string;
  createdAt?: number | string;
}
