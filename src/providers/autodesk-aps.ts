import type { ProviderPreset } from "./types.ts";

/** Autodesk Platform Services, Authentication API v2. */
export const autodeskAps: ProviderPreset = {
  id: "autodesk-aps",
  displayName: "Autodesk Platform Services",
  defaults: {
    authorizationUrl: "https://developer.api.autodesk.com/authentication/v2/authorize",
    tokenUrl: "https://developer.api.autodesk.com/authentication/v2/token",
    revocationUrl: "https://developer.api.autodesk.com/authentication/v2/revoke",
    introspectionUrl: "https://developer.api.autodesk.com/authentication/v2/introspect",
    issuer: "https://developer.api.autodesk.com",
    scopes: ["data:read"],
    tokenEndpointAuthMethod: "client_secret_basic",
  },
  scopeCatalog: [
    { scope: "user:read", description: "Read the user's profile data" },
    { scope: "user:write", description: "Change the user's profile data" },
    { scope: "user-profile:read", description: "Read the user's profile (OpenID-style userinfo)" },
    { scope: "viewables:read", description: "View derivatives (viewables) but not the source data" },
    { scope: "data:read", description: "Read data: hubs, projects, folders, items, versions" },
    { scope: "data:write", description: "Change existing data" },
    { scope: "data:create", description: "Create new data" },
    { scope: "data:search", description: "Search across data" },
    { scope: "bucket:create", description: "Create OSS buckets" },
    { scope: "bucket:read", description: "Read OSS bucket metadata and contents lists" },
    { scope: "bucket:update", description: "Update OSS buckets" },
    { scope: "bucket:delete", description: "Delete OSS buckets" },
    { scope: "code:all", description: "Author and run code (Automation API)" },
    { scope: "account:read", description: "Read account data (ACC / BIM 360 admin)" },
    { scope: "account:write", description: "Change account data (ACC / BIM 360 admin)" },
    { scope: "openid", description: "OpenID Connect sign-in: the answer carries an ID token" },
  ],
  grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
  docsUrl: "https://aps.autodesk.com/en/docs/oauth/v2/developers_guide/overview/",
  // The User Profile API's OIDC userinfo (GET /userinfo) lives on its own host.
  apiBaseUrls: ["https://developer.api.autodesk.com", "https://api.userprofile.autodesk.com"],
  quirks: {
    singleUseRefreshTokens: true,
    // APS discovery names the field `revoke_endpoint`, not RFC 8414's `revocation_endpoint`.
    revocationDiscoveryField: "revoke_endpoint",
    alwaysRequiredScopes: [],
    // Three-legged answers always carry a refresh token; no scope asks for it.
    refreshTokenScope: null,
    serviceForbiddenScopes: [],
    issuesIssInAuthResponse: false,
  },
};
