/**
 * Autodesk APS Authentication v2 as the emulator plays it: `/authentication/v2/*` paths, a refresh
 * token on every three-legged exchange (no `offline_access` needed), 5-minute codes, and a discovery
 * document that also names its revocation endpoint `revoke_endpoint` (PROVIDERS.md).
 */
import type { AuthServerProfile } from "../shared/authorizationServer.ts";

export const AUTODESK_API_SCOPES = [
  "user:read",
  "user-profile:read",
  "viewables:read",
  "data:read",
  "data:write",
  "data:create",
  "data:search",
  "bucket:create",
  "bucket:read",
  "bucket:update",
  "bucket:delete",
  "code:all",
  "account:read",
  "account:write",
] as const;

const REVOKE_PATH = "/authentication/v2/revoke";

export const autodeskAuthProfile: AuthServerProfile = {
  platform: "Autodesk APS",
  routes: {
    authorization: "/authentication/v2/authorize",
    token: "/authentication/v2/token",
    revocation: REVOKE_PATH,
    introspection: "/authentication/v2/introspect",
    jwks: "/authentication/v2/keys",
  },
  prefixes: ["/authentication/v2"],
  resource: "https://developer.api.autodesk.com",
  userScopes: ["openid", ...AUTODESK_API_SCOPES],
  serviceScopes: [...AUTODESK_API_SCOPES],
  apiScopes: AUTODESK_API_SCOPES,
  claims: {
    openid: ["sub", "email", "email_verified", "name", "given_name", "family_name", "preferred_username"],
  },
  refreshTokens: "always",
  authorizationCodeTtlSeconds: 300,
  refreshTokenTtlSeconds: 15 * 24 * 3600,
  // APS three-legged tokens (and their introspection) name the user in `userid`.
  extraUserTokenClaims: (accountId) => ({ userid: accountId }),
  customizeAccessToken(payload) {
    const scope = payload.scope;
    payload.scope = typeof scope === "string" ? scope.split(" ").filter(Boolean) : [];
  },
  discoveryExtras: (issuer) => ({ revoke_endpoint: `${issuer}${REVOKE_PATH}` }),
};
