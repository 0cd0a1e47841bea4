/**
 * The hub's JSON API as the UI reads it: the server's own response types (src/api, types only), so a
 * change of shape on the server is a compile error here rather than a blank field on a page.
 */
export type {
  AccountIdentity,
  AppSummary,
  ConnectionView as Connection,
  IntegrationApps,
  IntegrationCheckReport as CheckReport,
  IntegrationGrant as GrantType,
  IntegrationState,
  IntegrationView as Integration,
  PresetView as ProviderPreset,
  SandboxInfo,
  SandboxSummary,
  TokenEndpointAuthMethod as AuthMethod,
} from "../../src/api/index.ts";

export type { UserView as HubUser } from "../../src/api/identity.ts";
