import type { FastifyRequest } from "fastify";
import type { AppRegistry } from "../apps/registry.ts";
import type { ChangeFeed } from "../db/changeFeed.ts";
import type { HubCaches } from "./caches.ts";
import type { HubConfig } from "../config/index.ts";
import type { Role } from "../db/schema.ts";
import type { OAuthClientConfig } from "../oauth/index.ts";
import type { CachedIntegrations } from "../vault/cachedIntegrations.ts";
import type { Integration, IntegrationStore } from "../vault/integrationStore.ts";
import type { SecretCipher } from "../vault/storage.ts";
import type { TokenService } from "../vault/tokenService.ts";
import type { AccountStore, HubUser, SignInMethod } from "./identity/accounts.ts";
import type { AuditLog } from "./identity/auditLog.ts";
import type { IssuanceCounter } from "./tokens/issuanceCounter.ts";
import type { OidcSignIn } from "./identity/oidcSignIn.ts";
import type { PatGrant } from "./identity/patScopes.ts";
import type { TokenRefusals } from "./identity/tokenRefusals.ts";
import type { UserLifecycle } from "./identity/userLifecycle.ts";
import type { AppReloads } from "./apps/appReloads.ts";
import type { Invocations } from "./apps/invocations.ts";
import type { HubMetrics } from "./http/metrics.ts";
import type { OAuthStateStore } from "../vault/oauthStates.ts";
import { httpErrors } from "./http/problem.ts";
import type { HubStore } from "./services.ts";

/**
 * What the app layer tells the token route about apps (the apps plugin decorates `appDirectory` with one
 * when it loads apps). Without one, an app is known when an integration names it.
 */
export interface AppDirectory {
  /** Null when no such app is loaded; else the integrations its config lists. */
  integrationsOf(app: string): readonly string[] | null;
}

/** The hub's services as `buildHub` hands them to its callers (the CLI, the sandbox seed, tests). */
export interface HubServices {
  config: HubConfig;
  store: HubStore;
  keyRing: SecretCipher;
  accounts: AccountStore;
  audit: AuditLog;
  userLifecycle: UserLifecycle;
  integrations: IntegrationStore;
  tokens: TokenService;
  states: OAuthStateStore;
  metrics: HubMetrics;
  oauthConfigFor: (integration: Integration) => OAuthClientConfig;
  /** The change feed the hub's caches listen to (null: caches off); tests await `caughtUp()` on it. */
  changeFeed: ChangeFeed | null;
  caches: HubCaches;
  /** The apps layer's directory (the app registry), or null without app directories. */
  apps: AppDirectory | null;
  now: () => number;
}

declare module "fastify" {
  interface FastifyInstance {
    // Decorated by the service plugins of src/hub/services.ts and src/hub/apps/apps.ts.
    config: HubConfig;
    store: HubStore;
    keyRing: SecretCipher;
    now: () => number;
    metrics: HubMetrics;
    accounts: AccountStore;
    audit: AuditLog;
    issuance: IssuanceCounter;
    tokenRefusals: TokenRefusals;
    userLifecycle: UserLifecycle;
    /** Sign-in through the OpenID provider (null without GATEHOUSE_OIDC_ISSUER). */
    oidcSignIn: OidcSignIn | null;
    changeFeed: ChangeFeed | null;
    caches: HubCaches;
    integrations: IntegrationStore;
    /** Integrations by name through the cache (the token routes' reads). */
    cachedIntegrations: CachedIntegrations;
    tokens: TokenService;
    oauthStates: OAuthStateStore;
    oauthConfigFor: (integration: Integration) => OAuthClientConfig;
    appDirectory: AppDirectory | null;
    appRegistry: AppRegistry;
    invocations: Invocations;
    appReloads: AppReloads | null;
  }
  interface FastifyRequest {
    /** The signed-in hub user (session cookie or personal access token), or null. */
    user: HubUser | null;
    /** The session row id (SHA-256 of the cookie) when signed in by cookie; null otherwise. */
    sessionId: string | null;
    authMethod: "session" | "token" | null;
    /** With a personal access token: its scopes, apps and expiry. */
    pat: PatGrant | null;
    /** With a session: how it began. */
    signedInWith: SignInMethod | null;
  }
}

/** The signed-in user, or 401 `unauthenticated`. */
export function requireUser(request: FastifyRequest): HubUser {
  if (!request.user) throw httpErrors.unauthenticated();
  return request.user;
}

/** The signed-in user when their role is one of `roles`; 401 when signed out, 403 `forbidden` otherwise. */
export function requireRole(request: FastifyRequest, ...roles: Role[]): HubUser {
  const user = requireUser(request);
  if (!roles.includes(user.role)) throw httpErrors.forbidden();
  return user;
}

/** A route hook's callback (callback hooks, not async ones: they run on every request, and cost no promise). */
type HookDone = (error?: Error) => void;

/** Route hook (preValidation): 401 before the body is even validated when nobody is signed in. */
export function signedIn(request: FastifyRequest, _reply: unknown, done: HookDone): void {
  done(request.user ? undefined : httpErrors.unauthenticated());
}

/** Route hook (preValidation): 401/403 before the body is validated unless the user has one of `roles`. */
export function withRole(...roles: Role[]) {
  return (request: FastifyRequest, _reply: unknown, done: HookDone): void => {
    try {
      requireRole(request, ...roles);
      done();
    } catch (error) {
      done(error as Error);
    }
  };
}
