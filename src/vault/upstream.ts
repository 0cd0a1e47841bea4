import { errorCodeOf } from "../errors.ts";
import {
  clientCredentials as oauthClientCredentials,
  refreshTokens as oauthRefreshTokens,
  revokeToken as oauthRevokeToken,
  type OAuthClientConfig,
  type TokenSet,
} from "../oauth/index.ts";
import type { Integration } from "./integrationStore.ts";
import type { RefreshCoordinator } from "./refreshCoordinator.ts";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "./retry.ts";

/**
 * What a refresh attempt came to, as counted: `success` (new tokens stored), `skipped` (another caller or
 * process had already refreshed), `invalid_grant` (refresh token refused: reconnect_required),
 * `provider_unavailable` (transient failures outlasted the retries), `error` (anything else, e.g. a
 * misconfigured client).
 */
export type RefreshOutcome = "success" | "skipped" | "invalid_grant" | "provider_unavailable" | "error";
export type UpstreamOperation = "refresh" | "client_credentials" | "revoke";

/** Counters the hub wires to prom-client; every member optional. */
export interface TokenMetrics {
  refreshes?(outcome: RefreshOutcome, kind: "user" | "service"): void;
  upstreamLatency?(seconds: number, operation: UpstreamOperation): void;
}

type LogFn = (fields: Record<string, unknown>, message: string) => void;
/** pino-compatible. Fields passed here never hold a token or secret. */
export interface VaultLogger {
  debug?: LogFn;
  info: LogFn;
  warn: LogFn;
}

/** The OAuth steps the vault calls (src/oauth by default; tests swap them). */
export interface OAuthSteps {
  refreshTokens: typeof oauthRefreshTokens;
  clientCredentials: typeof oauthClientCredentials;
  revokeToken: typeof oauthRevokeToken;
}

export const defaultOAuthSteps: OAuthSteps = {
  refreshTokens: oauthRefreshTokens,
  clientCredentials: oauthClientCredentials,
  revokeToken: oauthRevokeToken,
};

/** What the user-token and service-token sources share: the lock, the provider, the clock, the counters. */
export interface TokenSourceOptions {
  coordinator: RefreshCoordinator;
  upstream: Upstream;
  oauthConfigFor: (integration: Integration) => OAuthClientConfig | Promise<OAuthClientConfig>;
  metrics?: TokenMetrics;
  logger?: VaultLogger;
  now: () => number;
}

export interface UpstreamOptions {
  oauth?: OAuthSteps;
  retry?: Partial<RetryPolicy>;
  metrics?: TokenMetrics;
  logger?: VaultLogger;
  now: () => number;
}

/**
 * The vault's calls to providers: each with the retry policy for transient failures and its latency
 * measured. It only talks and throws; what an answer means for a stored row is decided by the caller.
 */
export class Upstream {
  private readonly oauth: OAuthSteps;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: UpstreamOptions) {
    this.oauth = options.oauth ?? defaultOAuthSteps;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /** Refresh-token grant, retried while transient; `log` names the row in retry warnings. */
  refresh(
    cfg: OAuthClientConfig,
    refreshToken: string,
    fallbackScopes: string[],
    log: Record<string, unknown>,
  ): Promise<TokenSet> {
    return withRetry(
      // The vault's clock: `expires_in` and the stored issue time then count from the same instant.
      () =>
        this.timed("refresh", () =>
          this.oauth.refreshTokens(cfg, refreshToken, { fallbackScopes, now: this.options.now() }),
        ),
      {
        policy: this.policy,
        now: this.options.now,
        onRetry: (err, attempt, delayMs) =>
          this.options.logger?.warn(
            { ...log, attempt, delayMs, code: errorCodeOf(err) },
            "token refresh failed, retrying",
          ),
      },
    );
  }

  /** Client-credentials grant, retried while transient. */
  clientCredentials(cfg: OAuthClientConfig, scopes: string[]): Promise<TokenSet> {
    return withRetry(
      () =>
        this.timed("client_credentials", () =>
          this.oauth.clientCredentials(cfg, { scopes, now: this.options.now() }),
        ),
      { policy: this.policy, now: this.options.now },
    );
  }

  /** RFC 7009 revocation, once, best effort: a failure is logged by its code and otherwise ignored. */
  async revokeQuietly(
    cfg: OAuthClientConfig,
    token: string,
    hint: "access_token" | "refresh_token",
  ): Promise<void> {
    try {
      await this.timed("revoke", () => this.oauth.revokeToken(cfg, token, hint));
    } catch (err) {
      this.options.logger?.warn({ problem: errorCodeOf(err), hint }, "token revocation failed (ignored)");
    }
  }

  private async timed<T>(operation: UpstreamOperation, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      this.options.metrics?.upstreamLatency?.((performance.now() - started) / 1000, operation);
    }
  }
}
