/** Shapes of the hub's JSON API (/api/openapi.json) as the UI reads them. */
import type { IntegrationAppLink } from "../../src/hub/diagnostics.ts";
import type { IntegrationCheckReport } from "../../src/hub/integrationCheck.ts";
import type { EmulatorEndpoints } from "../../src/sandbox/emulators.ts";
import type { SandboxNote } from "../../src/sandbox/presets.ts";
import type { AccountIdentity } from "../../src/oauth/identity.ts";

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
  sandbox?: SandboxNote | null;
}

/** GET /api/admin/sandbox: the emulators' endpoints, for the wizard's Generic step. */
export interface SandboxInfo {
  sandbox: boolean;
  emulators: EmulatorEndpoints[];
  clients?: {
    web: { clientId: string; clientSecret: string };
    service: { clientId: string; clientSecret: string };
  };
}

/** GET /api/admin/integrations/{name}/apps: which apps may use it, and what keeps each from doing so. */
export interface IntegrationApps {
  integration: string;
  appsLoaded: boolean;
  apps: IntegrationAppLink[];
}

/** POST /api/admin/integrations/{name}/test. */
export type CheckReport = IntegrationCheckReport;

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
  account?: AccountIdentity | null;
}

export interface HubUser {
  id: string | number;
  email: string;
  role: string;
  createdAt?: number | string;
  disabled?: boolean;
  /** The identity provider that sets the role at each sign-in; null: set here. */
  roleManagedBy?: string | null;
  /** Signs in with a password here (a local user). */
  hasPassword?: boolean;
  identities?: { issuer: string; email: string | null }[];
}
