/**
 * oidc-provider's configuration for one emulated authorization server: its storage and keys (from the
 * emulator's state, so they outlive a restart), the profile's routes, scopes and claims, the knobs that
 * set lifetimes and rotation, and the platform quirks (refresh tokens, token claims, discovery extras).
 */
import type { Configuration, errors, KoaContextWithOIDC } from "oidc-provider";
import type { AuthServerState } from "../state/index.ts";
import type { AuthServerProfile } from "./authorizationServer.ts";
import { errorPage } from "./interactionPages.ts";
import type { EmulatorKnobs } from "./knobs.ts";
import { findUserById, userClaims } from "./users.ts";

const asString = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * The OpenID Connect scopes (openid, profile, offline_access…) behind the access token being issued: the
 * ones asked for (at a refresh, the narrower `scope` if given) that the grant holds. oidc-provider leaves
 * them out of resource-server tokens; IdentityServer puts them in the `scope` claim.
 */
function grantedOidcScopes(ctx: KoaContextWithOIDC, apiScopes: readonly string[]): string[] {
  const { entities, params } = ctx.oidc;
  const source = entities.RefreshToken ?? entities.AuthorizationCode;
  const asked = asString(params?.scope) || asString(source?.scope);
  // The grant also lists API scopes among its "OIDC" ones (every scope is a static one here).
  const granted = new Set((entities.Grant?.getOIDCScope() ?? "").split(" ").filter(Boolean));
  return [...new Set(asked.split(" "))].filter((scope) => granted.has(scope) && !apiScopes.includes(scope));
}

export function providerConfiguration(
  issuer: string,
  profile: AuthServerProfile,
  knobs: EmulatorKnobs,
  state: AuthServerState,
  /** oidc-provider's error classes (the module is loaded by the caller, on first use). */
  oidcErrors: typeof errors,
): Configuration {
  return {
    adapter: state.adapter,
    clients: [],
    jwks: { keys: [state.keys.privateJwk] },
    cookies: { keys: state.keys.cookieKeys },
    routes: profile.routes,
    responseTypes: ["code"],
    scopes: [...new Set([...profile.userScopes, ...profile.serviceScopes])],
    claims: profile.claims,
    findAccount: async (_ctx, sub) => {
      const user = findUserById(sub);
      if (!user) return undefined;
      return { accountId: user.id, claims: async () => userClaims(user) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      clientCredentials: { enabled: true },
      // A client may introspect and revoke its own tokens only; a public client nothing else either.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: profile.routes.end_session !== undefined },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => profile.resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== profile.resource) throw new oidcErrors.InvalidTarget();
          return {
            scope: profile.apiScopes.join(" "),
            audience: profile.resource,
            accessTokenFormat: "jwt",
            accessTokenTTL: knobs.accessTokenLifetimeSeconds,
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    ttl: {
      AccessToken: () => knobs.accessTokenLifetimeSeconds,
      ClientCredentials: () => knobs.accessTokenLifetimeSeconds,
      AuthorizationCode: () => knobs.authorizationCodeLifetimeSeconds ?? profile.authorizationCodeTtlSeconds,
      RefreshToken: profile.refreshTokenTtlSeconds,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    extraTokenClaims: async (_ctx, token) =>
      "accountId" in token && typeof token.accountId === "string"
        ? profile.extraUserTokenClaims?.(token.accountId)
        : undefined,
    // Tokens live on their own; the emulator's browser session is only for the sign-in pages.
    expiresWithSession: async () => false,
    rotateRefreshToken: () => knobs.refreshRotation,
    ...(profile.refreshTokens === "always"
      ? { issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token") }
      : {}),
    formats: {
      customizers: {
        jwt: async (ctx, token, jwt) => {
          profile.customizeAccessToken(jwt.payload, token.kind, grantedOidcScopes(ctx, profile.apiScopes));
        },
      },
    },
    discovery: {
      ...(profile.userinfo ? { userinfo_endpoint: `${issuer}${profile.userinfo.path}` } : {}),
      ...profile.discoveryExtras(issuer),
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage(
        profile.platform,
        "Sign-in failed",
        `${asString(out.error)}: ${asString(out.error_description)}`,
      );
    },
  };
}
