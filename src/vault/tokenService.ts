import type { AccountIdentity } from "../oauth/identity.ts";
import type { OAuthClientConfig, TokenSet } from "../oauth/index.ts";
import { ConnectionStore, type ConnectionSummary } from "./connectionStore.ts";
import type { HeldTokens } from "./heldTokens.ts";
import { IntegrationStore, type Integration } from "./integrationStore.ts";
import { RefreshCoordinator } from "./refreshCoordinator.ts";
import { forcedRenewal, validFor, type RenewalRule } from "./renewal.ts";
import type { RetryPolicy } from "./retry.ts";
import { Revocation } from "./revocation.ts";
import { ServiceTokens } from "./serviceTokens.ts";
import { ServiceTokenStore } from "./serviceTokenStore.ts";
import type { AccessTokenResult, SecretCipher, VaultStore } from "./storage.ts";
import { Upstream, type OAuthSteps, type TokenMetrics, type VaultLogger } from "./upstream.ts";
import { UserTokens } from "./userTokens.ts";

export type { AccessTokenResult } from "./storage.ts";
export type { RenewalRule } from "./renewal.ts";
export type { ConnectionSummary } from "./connectionStore.ts";
export type { OAuthSteps, RefreshOutcome, TokenMetrics, UpstreamOperation, VaultLogger } from "./upstream.ts";

export interface TokenServiceOptions {
  store: VaultStore;
  keyRing: SecretCipher;
  oauthConfigFor: (integration: Integration) => OAuthClientConfig | Promise<OAuthClientConfig>;
  metrics?: TokenMetrics;
  logger?: VaultLogger;
  now?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Lease / lock-wait bound; must exceed a whole refresh with its retries. Default 30 s. */
  leaseMs?: number;
  /** Timeout of each revocation call at disconnect (best effort). Default 3 s. */
  revocationTimeoutMs?: number;
  oauth?: OAuthSteps;
  /** The token API's in-memory tokens (the hub passes them; absent: every read goes to the database). */
  heldTokens?: HeldTokens;
}

const DEFAULT_MIN_VALIDITY_SECONDS = 60;
const marginMs = (options: { minValiditySeconds?: number }): number =>
  (options.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS) * 1000;

/**
 * The token vault's front door, wiring its parts: connections from a code exchange (ConnectionStore),
 * user tokens refreshed once per connection across every process (UserTokens, where a refresh is decided),
 * client-credentials tokens (ServiceTokens) and revocation (Revocation). It knows nothing about HTTP;
 * errors are GatehouseErrors with stable codes.
 */
export class TokenService {
  private readonly connections: ConnectionStore;
  private readonly userTokens: UserTokens;
  private readonly serviceTokens: ServiceTokens;
  private readonly revocation: Revocation;
  private readonly heldTokens: HeldTokens | undefined;

  constructor(options: TokenServiceOptions) {
    const now = options.now ?? Date.now;
    const { store, keyRing, oauthConfigFor, metrics, logger } = options;
    const coordinator = new RefreshCoordinator(store, { leaseMs: options.leaseMs ?? 30_000, now });
    const upstream = new Upstream({ oauth: options.oauth, retry: options.retry, metrics, logger, now });
    const serviceTokenStore = new ServiceTokenStore(store, keyRing, now);
    const sources = { coordinator, upstream, oauthConfigFor, metrics, logger, now, held: options.heldTokens };
    this.heldTokens = options.heldTokens;
    this.connections = new ConnectionStore(store, keyRing, now);
    this.userTokens = new UserTokens({
      ...sources,
      connections: this.connections,
      integrations: new IntegrationStore(store, keyRing, now),
    });
    this.serviceTokens = new ServiceTokens({ ...sources, tokens: serviceTokenStore });
    this.revocation = new Revocation({
      connections: this.connections,
      serviceTokens: serviceTokenStore,
      upstream,
      oauthConfigFor,
      logger,
      revocationTimeoutMs: options.revocationTimeoutMs ?? 3_000,
    });
  }

  /**
   * Stores the tokens of a code exchange for (integration, user): a new connection or a reconnect. `account`
   * defaults to what the tokens themselves say (the hub may know more, from userinfo).
   */
  saveConnection(
    integration: Integration,
    userId: string,
    tokens: TokenSet,
    account?: AccountIdentity | null,
  ): Promise<void> {
    return this.connections.save(integration, userId, tokens, account);
  }

  /**
   * An access token valid for at least `min(minValiditySeconds, half the lifetime of the token the provider
   * issued)` (default 60 s; renewal.ts), refreshed first when needed. Throws login_required (401) or
   * provider_unavailable (503); see UserTokens.get.
   */
  getUserToken(
    integration: Integration,
    userId: string,
    options: { minValiditySeconds?: number } = {},
  ): Promise<AccessTokenResult> {
    return this.userTokens.get(integration, userId, validFor(marginMs(options)));
  }

  /**
   * The token getUserToken (or getServiceToken, for a client-credentials integration) would answer, when it
   * is held in memory and the same renewal rule keeps it; null otherwise, and then ask those. Synchronous:
   * the token route answers a held token without a promise.
   */
  heldToken(
    integration: Integration,
    userId: string,
    options: { minValiditySeconds?: number } = {},
  ): AccessTokenResult | null {
    const held = this.heldTokens;
    if (!held) return null;
    const rule = validFor(marginMs(options));
    // A peek: a miss is counted by the getUserToken / getServiceToken call that follows it.
    return integration.grantType === "client_credentials"
      ? held.serviceToken(integration.id, rule, true)
      : held.userToken(integration.id, userId, rule, true);
  }

  /**
   * A token the provider issued within the last few seconds (FORCED_REFRESH_MIN_INTERVAL_MS): refreshed now
   * unless another request for this connection — on any hub — just did. For an app whose call was answered
   * 401 with the token it had.
   */
  forceRefreshUserToken(integration: Integration, userId: string): Promise<AccessTokenResult> {
    return this.userTokens.get(integration, userId, forcedRenewal());
  }

  /** The background refresher's entry; see UserTokens.refreshInBackground. Never throws. */
  refreshConnection(
    connectionId: string,
    options: { rule: RenewalRule; expectedVersion?: number },
  ): Promise<"refreshed" | "fresh" | "failed" | "gone"> {
    return this.userTokens.refreshInBackground(connectionId, options);
  }

  /** The integration's client-credentials token, valid as getUserToken's (default 60 s, capped likewise). */
  getServiceToken(
    integration: Integration,
    options: { minValiditySeconds?: number } = {},
  ): Promise<AccessTokenResult> {
    return this.serviceTokens.get(integration, validFor(marginMs(options)));
  }

  /** The integration's client-credentials token obtained anew, as forceRefreshUserToken. */
  forceRefreshServiceToken(integration: Integration): Promise<AccessTokenResult> {
    return this.serviceTokens.get(integration, forcedRenewal());
  }

  listConnections(userId: string): Promise<ConnectionSummary[]> {
    return this.connections.list(userId);
  }

  /** Revokes the user's tokens at the provider (best effort, short timeout), then deletes them. */
  disconnect(integration: Integration, userId: string): Promise<boolean> {
    return this.revocation.disconnect(integration, userId);
  }

  /** Revokes (best effort, within a budget) and deletes every connection and the service token. */
  deleteIntegrationTokens(
    integration: Integration,
    options: { revocationBudgetMs?: number } = {},
  ): Promise<void> {
    return this.revocation.deleteIntegrationTokens(integration, options);
  }
}
