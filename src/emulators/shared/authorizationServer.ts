/**
 * An emulated authorization server: an oidc-provider instance mounted on the emulator's Fastify app
 * (`oidcRoutes.ts`), plus the sign-in and consent pages it sends users to (`interactionRoutes.ts`) and
 * the userinfo endpoint (`userinfoRoute.ts`). Its storage and keys come from the emulator's state, so
 * grants, refresh tokens and revocations outlive a restart. What differs between Bentley IMS and Autodesk
 * APS (paths, scopes, refresh-token policy, token claims, discovery extras) comes in as a profile.
 */
import type { FastifyInstance } from "fastify";
import type * as OidcProvider from "oidc-provider";
import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import type { JSONWebKeySet } from "jose";
import { importPackage } from "../../packageImport.ts";
import type { EmulatorState } from "../state/index.ts";
import type { VerifyAccessToken } from "./accessToken.ts";
import type { ClientProfile, SandboxClients } from "./clients.ts";
import { registerInteractionRoutes } from "./interactionRoutes.ts";
import { jwtTokenEndpoints } from "./jwtAccessTokens.ts";
import type { EmulatorKnobs } from "./knobs.ts";
import { DISCOVERY_PATH, registerOidcRoutes, type ProviderCallback } from "./oidcRoutes.ts";
import { providerConfiguration } from "./providerConfiguration.ts";
import type { StatsCounter } from "./stats.ts";
import { createTokenVerifier } from "./tokenVerifier.ts";
import { registerUserinfoRoute, type UserinfoProfile } from "./userinfoRoute.ts";

/** The paths oidc-provider answers (its `routes` setting). */
export interface AuthRoutes {
  authorization: string;
  token: string;
  revocation: string;
  introspection: string;
  jwks: string;
  end_session?: string;
}

export interface AuthServerProfile extends ClientProfile {
  /** Shown on the sign-in and consent pages. */
  platform: string;
  routes: AuthRoutes;
  /** Served by the emulator itself: oidc-provider's userinfo refuses tokens minted for an API audience. */
  userinfo?: UserinfoProfile;
  /** Path prefixes of the authorization server (requests there count as auth requests for the knobs). */
  prefixes: string[];
  /** The audience of every access token (the one resource server behind this authorization server). */
  resource: string;
  /** Scopes that end up in access tokens (the rest are OpenID Connect scopes). */
  apiScopes: readonly string[];
  /** OpenID Connect scope → claims, as oidc-provider's `claims` setting. */
  claims: Record<string, string[]>;
  /** `offline_access`: refresh tokens only when that scope is granted; `always`: on every code exchange. */
  refreshTokens: "offline_access" | "always";
  /** A scope outside the client's is `invalid_scope` (IdentityServer), not silently dropped (oidc-provider). */
  rejectUnknownScopes: boolean;
  authorizationCodeTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Extra claims of user access tokens, in the JWT and in introspection answers. */
  extraUserTokenClaims?(accountId: string): Record<string, unknown> | undefined;
  /**
   * Adjusts the access-token JWT payload (e.g. `scope` as an array); `oidcScopes` are the OpenID Connect
   * scopes granted with it, which oidc-provider leaves out of the `scope` claim.
   */
  customizeAccessToken(payload: Record<string, unknown>, kind: string, oidcScopes: readonly string[]): void;
  /** Extra fields in the discovery document. */
  discoveryExtras(issuer: string): Record<string, unknown>;
}

/** Which part of the server a request path belongs to (for knobs and stats). */
export type AuthPathKind = "token" | "revocation" | "introspection" | "auth";

export interface AuthorizationServer {
  /** Creates the provider once the base URL is known (after listen). */
  start(issuer: string): void;
  classify(path: string): AuthPathKind | null;
  verifyAccessToken: VerifyAccessToken;
  jwks: JSONWebKeySet;
}

export interface AuthorizationServerDeps {
  /** Names this server's rows in the state database (the emulator's name). */
  name: string;
  knobs: EmulatorKnobs;
  stats: StatsCounter;
  clients: SandboxClients;
  state: EmulatorState;
}

const asString = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * Registers the authorization server's routes on `app` (call before listen) and returns a handle whose
 * `start(issuer)` creates the provider once the emulator knows its own URL.
 */
export async function mountAuthorizationServer(
  app: FastifyInstance,
  profile: AuthServerProfile,
  deps: AuthorizationServerDeps,
): Promise<AuthorizationServer> {
  // The clock knob moves this server's clock ahead: its verifier, introspection and stored models follow it.
  const now = () => deps.knobs.now();
  const stored = await deps.state.authServer(deps.name, deps.clients, deps.knobs);
  const { publicJwks } = stored.keys;
  // Loaded here, not at the top: oidc-provider takes about a quarter of a second to load.
  const oidc = await importPackage<typeof OidcProvider>("oidc-provider");
  let provider: Provider | null = null;
  let handle: ProviderCallback | null = null;
  let issuer = "";

  const verifyAccessToken = createTokenVerifier({
    issuer: () => issuer,
    jwks: publicJwks,
    isRevoked: (jti) => stored.revoked.has(jti),
    now,
  });
  const jwtEndpoints = jwtTokenEndpoints({
    clients: deps.clients,
    jwks: publicJwks,
    issuer: () => issuer,
    revoked: stored.revoked,
    now,
  });

  await registerOidcRoutes(app, profile, {
    clients: deps.clients,
    stats: deps.stats,
    jwtEndpoints,
    handle: () => handle,
  });
  if (profile.userinfo) registerUserinfoRoute(app, profile.userinfo, verifyAccessToken);
  await registerInteractionRoutes(app, profile.platform, () => provider);

  const classify = (path: string): AuthPathKind | null => {
    if (path === profile.routes.token) return "token";
    if (path === profile.routes.revocation) return "revocation";
    if (path === profile.routes.introspection) return "introspection";
    if (
      path === DISCOVERY_PATH ||
      path === profile.routes.jwks ||
      path.startsWith("/interaction/") ||
      profile.prefixes.some((p) => path.startsWith(`${p}/`))
    ) {
      return "auth";
    }
    return null;
  };

  const grantTypeOf = (ctx: KoaContextWithOIDC) => asString(ctx.oidc?.params?.grant_type);

  return {
    start(baseUrl) {
      issuer = baseUrl;
      provider = new oidc.Provider(
        baseUrl,
        providerConfiguration(baseUrl, profile, deps.knobs, stored, oidc.errors),
      );
      provider.on("grant.success", (ctx: KoaContextWithOIDC) => {
        deps.stats.tokenCall(grantTypeOf(ctx), "ok");
      });
      provider.on("grant.error", (ctx: KoaContextWithOIDC) => {
        deps.stats.tokenCall(grantTypeOf(ctx), "error");
      });
      // Koa logs unhandled errors to stderr by default; oidc-provider has already answered them.
      provider.on("server_error", (_ctx: KoaContextWithOIDC, error: Error) => {
        process.stderr.write(`${profile.platform} emulator: ${error.message}\n`);
      });
      handle = provider.callback();
    },
    classify,
    verifyAccessToken,
    jwks: publicJwks,
  };
}
