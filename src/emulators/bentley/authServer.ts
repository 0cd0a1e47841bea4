/**
 * Bentley IMS as the emulator plays it: IdentityServer-style paths, refresh tokens only with
 * `offline_access`, and access tokens whose `scope` claim is an array (PROVIDERS.md).
 */
import type { AuthServerProfile } from "../shared/authorizationServer.ts";

export const BENTLEY_API_SCOPES = [
  "itwin-platform",
  "evo.discovery",
  "evo.workspace",
  "evo.object",
  "evo.blocksync",
  "evo.file",
] as const;

const OIDC_SCOPES = ["openid", "profile", "email", "organization", "offline_access"] as const;

export const bentleyAuthProfile: AuthServerProfile = {
  platform: "Bentley IMS",
  routes: {
    authorization: "/connect/authorize",
    token: "/connect/token",
    revocation: "/connect/revocation",
    introspection: "/connect/introspect",
    userinfo: "/connect/userinfo",
    end_session: "/connect/endsession",
    jwks: "/.well-known/openid-configuration/jwks",
  },
  prefixes: ["/connect"],
  resource: "https://api.bentley.com",
  userScopes: [...OIDC_SCOPES, ...BENTLEY_API_SCOPES],
  // A service client asking for openid, email, profile or organization is refused (invalid_scope).
  serviceScopes: [...BENTLEY_API_SCOPES],
  apiScopes: BENTLEY_API_SCOPES,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "preferred_username"],
    organization: ["org", "org_name"],
  },
  refreshTokens: "offline_access",
  authorizationCodeTtlSeconds: 300,
  refreshTokenTtlSeconds: 14 * 24 * 3600,
  customizeAccessToken(payload) {
    const scope = payload.scope;
    payload.scope = typeof scope === "string" ? scope.split(" ").filter(Boolean) : [];
  },
  discoveryExtras: () => ({}),
};
