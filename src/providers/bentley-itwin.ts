import type { ProviderPreset } from "./types.ts";

/** Bentley iTwin Platform, signed in through Bentley IMS (IdentityServer-style `/connect/*` paths). */
export const bentleyItwin: ProviderPreset = {
  id: "bentley-itwin",
  displayName: "Bentley iTwin Platform",
  defaults: {
    authorizationUrl: "https://ims.bentley.com/connect/authorize",
    tokenUrl: "https://ims.bentley.com/connect/token",
    revocationUrl: "https://ims.bentley.com/connect/revocation",
    introspectionUrl: "https://ims.bentley.com/connect/introspect",
    issuer: "https://ims.bentley.com",
    scopes: ["itwin-platform", "offline_access"],
    tokenEndpointAuthMethod: "client_secret_basic",
  },
  scopeCatalog: [
    {
      scope: "itwin-platform",
      description: "All iTwin Platform APIs; what a user may do is decided by roles",
    },
    { scope: "offline_access", description: "A refresh token, so the user need not sign in every hour" },
    { scope: "openid", description: "OpenID Connect sign-in (not for service apps)" },
    { scope: "profile", description: "The user's name (not for service apps)" },
    { scope: "email", description: "The user's email address (not for service apps)" },
    { scope: "organization", description: "The user's organization (not for service apps)" },
  ],
  grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
  docsUrl: "https://developer.bentley.com/apis/overview/authorization/",
  apiBaseUrls: ["https://api.bentley.com"],
  quirks: {
    // Rotation is unconfirmed for IMS; the official clients keep whatever comes back, so assume single use.
    singleUseRefreshTokens: true,
    revocationDiscoveryField: "revocation_endpoint",
    alwaysRequiredScopes: [],
    refreshTokenScope: "offline_access",
    serviceForbiddenScopes: ["openid", "email", "profile", "organization"],
    issuesIssInAuthResponse: false,
  },
};
