import type { ProviderDefaults, ProviderQuirks } from "./types.ts";

/**
 * Bentley IMS, the sign-in server that both the iTwin Platform and Seequent Evo use: its endpoints and
 * the token behaviour that follows from it, so the two presets cannot drift apart.
 */
export const bentleyImsEndpoints: Omit<ProviderDefaults, "scopes"> = {
  authorizationUrl: "https://ims.bentley.com/connect/authorize",
  tokenUrl: "https://ims.bentley.com/connect/token",
  revocationUrl: "https://ims.bentley.com/connect/revocation",
  introspectionUrl: "https://ims.bentley.com/connect/introspect",
  issuer: "https://ims.bentley.com",
  tokenEndpointAuthMethod: "client_secret_basic",
};

export const bentleyImsQuirks: Omit<ProviderQuirks, "alwaysRequiredScopes"> = {
  // Rotation is unconfirmed for IMS; the official clients keep whatever comes back, so assume single use.
  singleUseRefreshTokens: true,
  revocationDiscoveryField: "revocation_endpoint",
  refreshTokenScope: "offline_access",
  serviceForbiddenScopes: ["openid", "email", "profile", "organization"],
  issuesIssInAuthResponse: false,
};
