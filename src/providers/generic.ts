import type { ProviderPreset } from "./types.ts";

/** Any OAuth 2.0 authorization server: the admin fills in every URL; no quirks assumed. */
export const generic: ProviderPreset = {
  id: "generic",
  displayName: "Generic OAuth 2.0",
  defaults: {
    authorizationUrl: "",
    tokenUrl: "",
    revocationUrl: "",
    introspectionUrl: "",
    issuer: "",
    scopes: [],
    tokenEndpointAuthMethod: "client_secret_basic",
  },
  scopeCatalog: [
    { scope: "openid", description: "OpenID Connect sign-in: the answer carries an ID token" },
    { scope: "offline_access", description: "Ask for a refresh token (servers that require it)" },
  ],
  grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
  docsUrl: "https://www.rfc-editor.org/rfc/rfc6749",
  apiBaseUrls: [],
  quirks: {
    singleUseRefreshTokens: false,
    revocationDiscoveryField: "revocation_endpoint",
    alwaysRequiredScopes: [],
    refreshTokenScope: null,
    serviceForbiddenScopes: [],
    issuesIssInAuthResponse: false,
  },
};
