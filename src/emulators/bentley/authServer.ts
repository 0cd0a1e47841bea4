/**
 * Bentley IMS as the emulator plays it (an IdentityServer): IdentityServer-style paths, refresh tokens
 * only with `offline_access`, `invalid_scope` for any scope the client is not registered for, access
 * tokens whose `scope` claim is an array and that carry the user's identity claims (IMS introspection
 * answers `email`, `name`, `org`… for them), and a userinfo endpoint that wants `openid` (PROVIDERS.md).
 */
import type { AuthServerProfile } from "../shared/authorizationServer.ts";
import type { UserinfoProfile } from "../shared/userinfoRoute.ts";
import { findUserById, userClaims } from "../shared/users.ts";

export const BENTLEY_API_SCOPES = [
  "itwin-platform",
  "evo.discovery",
  "evo.workspace",
  "evo.object",
  "evo.blocksync",
  "evo.file",
] as const;

const OIDC_SCOPES = ["openid", "profile", "email", "organization", "offline_access"] as const;

/** OpenID Connect scope → the claims it releases (at userinfo and in ID tokens). */
const CLAIMS: Record<string, string[]> = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "given_name", "family_name", "preferred_username"],
  organization: ["org", "org_name"],
};

/** The identity claims IMS puts in a user's access token (everything it knows but `sub`, already there). */
function accessTokenIdentity(accountId: string): Record<string, unknown> | undefined {
  const user = findUserById(accountId);
  if (!user) return undefined;
  const { sub: _sub, email_verified: _verified, ...identity } = userClaims(user);
  return identity;
}

/** IdentityServer's userinfo: the claims of the granted scopes; `WWW-Authenticate` names the problem. */
const userinfo: UserinfoProfile = {
  path: "/connect/userinfo",
  requiredScope: "openid",
  body(user, token) {
    const claims = userClaims(user);
    const released = token.scopes.flatMap((scope) => CLAIMS[scope] ?? []);
    return Object.fromEntries(Object.entries(claims).filter(([name]) => released.includes(name)));
  },
  refuse(problem, description) {
    return {
      status: problem === "invalid_token" ? 401 : 403,
      headers: { "www-authenticate": `Bearer error="${problem}", error_description="${description}"` },
      body: { error: problem, error_description: description },
    };
  },
};

export const bentleyAuthProfile: AuthServerProfile = {
  platform: "Bentley IMS",
  routes: {
    authorization: "/connect/authorize",
    token: "/connect/token",
    revocation: "/connect/revocation",
    introspection: "/connect/introspect",
    end_session: "/connect/endsession",
    jwks: "/.well-known/openid-configuration/jwks",
  },
  userinfo,
  prefixes: ["/connect"],
  resource: "https://api.bentley.com",
  userScopes: [...OIDC_SCOPES, ...BENTLEY_API_SCOPES],
  // A service client asking for openid, email, profile or organization is refused (invalid_scope).
  serviceScopes: [...BENTLEY_API_SCOPES],
  apiScopes: BENTLEY_API_SCOPES,
  claims: CLAIMS,
  refreshTokens: "offline_access",
  rejectUnknownScopes: true,
  authorizationCodeTtlSeconds: 300,
  refreshTokenTtlSeconds: 14 * 24 * 3600,
  extraUserTokenClaims: accessTokenIdentity,
  // IdentityServer's `scope` claim lists every granted scope, OpenID Connect ones (openid, offline_access…)
  // included; the userinfo endpoint relies on finding `openid` there.
  customizeAccessToken(payload, _kind, oidcScopes) {
    const scope = payload.scope;
    payload.scope = [...oidcScopes, ...(typeof scope === "string" ? scope.split(" ").filter(Boolean) : [])];
  },
  discoveryExtras: () => ({}),
};
