/**
 * Autodesk APS Authentication v2 as the emulator plays it: `/authentication/v2/*` paths, a refresh
 * token on every three-legged exchange (no `offline_access` needed), 5-minute codes, a discovery
 * document that also names its revocation and introspection endpoints `revoke_endpoint` and
 * `introspect_endpoint`, and the OIDC userinfo endpoint
 * (`GET /userinfo`, documented on api.userprofile.autodesk.com and developer.api.autodesk.com), which
 * answers a three-legged token's user and needs no scope (PROVIDERS.md).
 */
import type { AuthServerProfile } from "../shared/authorizationServer.ts";
import type { UserinfoProfile } from "../shared/userinfoRoute.ts";
import { seedDate } from "../shared/seedIds.ts";
import { gatewayError } from "./gatewayErrors.ts";

/** The documented APS scopes (Authentication v2 scopes page). */
export const AUTODESK_API_SCOPES = [
  "user:read",
  "user:write",
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
const INTROSPECT_PATH = "/authentication/v2/introspect";
/** OIDC userinfo as the APS User Profile API answers it (a subset of its documented fields). */
const userinfo: UserinfoProfile = {
  path: "/userinfo",
  requiredScope: null,
  body(user) {
    return {
      sub: user.id,
      name: `${user.givenName} ${user.familyName}`,
      given_name: user.givenName,
      family_name: user.familyName,
      preferred_username: user.email.split("@")[0],
      email: user.email,
      email_verified: true,
      profile: `https://profile.autodesk.com/users/${user.id}`,
      picture: `https://images.profile.autodesk.com/${user.id}/x120.jpg`,
      locale: "en-US",
      updated_at: Math.floor(Date.parse(seedDate(0)) / 1000),
      is_2fa_enabled: false,
      country_code: "US",
      language: "en",
    };
  },
  // The reference lists 401 for an invalid, expired or two-legged token; the body is the gateway's.
  refuse: (_problem, description) => ({
    status: 401,
    headers: { "www-authenticate": 'Bearer error="invalid_token"' },
    body: gatewayError("AUTH-006", `The access token is invalid. ${description}`),
  }),
};

export const autodeskAuthProfile: AuthServerProfile = {
  platform: "Autodesk APS",
  routes: {
    authorization: "/authentication/v2/authorize",
    token: "/authentication/v2/token",
    revocation: REVOKE_PATH,
    introspection: INTROSPECT_PATH,
    jwks: "/authentication/v2/keys",
  },
  userinfo,
  prefixes: ["/authentication/v2"],
  resource: "https://developer.api.autodesk.com",
  userScopes: ["openid", ...AUTODESK_API_SCOPES],
  serviceScopes: [...AUTODESK_API_SCOPES],
  apiScopes: AUTODESK_API_SCOPES,
  claims: {
    openid: ["sub", "email", "email_verified", "name", "given_name", "family_name", "preferred_username"],
  },
  refreshTokens: "always",
  // Unconfirmed how APS answers an unknown scope; the emulator keeps oidc-provider's (drops it).
  rejectUnknownScopes: false,
  authorizationCodeTtlSeconds: 300,
  refreshTokenTtlSeconds: 15 * 24 * 3600,
  // APS three-legged tokens (and their introspection) name the user in `userid`.
  extraUserTokenClaims: (accountId) => ({ userid: accountId }),
  customizeAccessToken(payload) {
    const scope = payload.scope;
    payload.scope = typeof scope === "string" ? scope.split(" ").filter(Boolean) : [];
  },
  // The OIDC Specification reference names these two `revoke_endpoint` and `introspect_endpoint`.
  discoveryExtras: (issuer) => ({
    revoke_endpoint: `${issuer}${REVOKE_PATH}`,
    introspect_endpoint: `${issuer}${INTROSPECT_PATH}`,
  }),
};
