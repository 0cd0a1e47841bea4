import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { GatehouseError } from "../errors.ts";
import {
  clientCredentials as oauthClientCredentials,
  refreshTokens as oauthRefreshTokens,
  revokeToken as oauthRevokeToken,
  type OAuthClientConfig,
  type TokenSet,
} from "../oauth/index.ts";
import {
  IntegrationStore,
  isUniqueViolation,
  keyIdOf,
  type Integration,
  type SecretCipher,
  type VaultStore,
} from "./integrationStore.ts";
import { aad } from "./aad.ts";
import { RefreshCoordinator, type ConnectionRow, type ServiceTokenRow } from "./refreshCoordinator.ts";
import { DEFAULT_RETRY_POLICY, isTransient, withRetry, type RetryPolicy } from "./retry.ts";

export interface AccessTokenResult {
  accessToken: string;
  tokenType: "Bearer";
  /** Epoch ms. */
  expiresAt: number;
  scopes: string[];
}

export interface ConnectionSummary {
  integration: string;
  status: "connected" | "reconnect_required";
  scopes: string[];
  expiresAt: number;
  connectedAt: number;
  lastRefreshedAt: number | null;
}

/**
 * What a refresh attempt came to: `success` (new tokens stored), `skipped` (another caller or process had
 * already refreshed), `invalid_grant` (refresh token refused: reconnect_required), `provider_unavailable`
 * (transient failures outlasted the retries), `error` (anything else, e.g. a misconfigured client).
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

/** The OAuth steps the service calls (src/oauth by default). */
export interface OAuthSteps {
  refreshTokens: typeof oauthRefreshTokens;
  clientCredentials: typeof oauthClientCredentials;
  revokeToken: typeof oauthRevokeToken;
}

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
}

/** 401: the user has no usable connection. The HTTP layer adds `loginUrl`. */
/** What the user is told per reason (the reason itself stays in `details` for programs). */
const loginRequiredMessages: Record<string, (name: string) => string> = {
  not_connected: (name) => `Connect your ${name} account first`,
  reconnect_required: (name) => `Your ${name} connection has expired or was revoked: connect again`,
  refresh_rejected: (name) => `${name} refused to renew your access: connect again`,
  no_refresh_token: (name) => `Your ${name} access has expired and cannot be renewed: connect again`,
};

export function loginRequired(integration: Integration, reason: string): GatehouseError {
  const message = loginRequiredMessages[reason]?.(integration.name) ?? `Sign in to ${integration.name} again`;
  return new GatehouseError("login_required", message, 401, {
    integration: integration.name,
    reason,
  });
}

/** 503: the provider cannot be reached and no valid token is held. */
export function providerUnavailable(integration: Integration, cause: unknown): GatehouseError {
  return new GatehouseError(
    "provider_unavailable",
    `The provider of ${integration.name} cannot be reached and no valid token is held`,
    503,
    { integration: integration.name },
    { cause },
  );
}

/**
 * expires_at as the database and the API can hold it: a whole number of ms no later than the last instant a
 * Date can show (routes answer it as ISO text). A provider may send any finite `expires_in` (a fraction, or
 * 1e20), and PostgreSQL's bigint column refuses both as they come.
 */
const LATEST_DATE_MS = 8.64e15;
function storedExpiry(expiresAt: number): number {
  return Math.min(Math.floor(expiresAt), LATEST_DATE_MS);
}

const REVOKE_BATCH = 100;
const REVOKE_CONCURRENCY = 8;

/**
 * The token vault's front door: stores connections from a code exchange, hands out access tokens that are
 * valid for at least `minValiditySeconds`, refreshing them first when needed — once per connection across
 * every process (see RefreshCoordinator) — and obtains client-credentials tokens for service integrations.
 * It knows nothing about HTTP; errors are GatehouseErrors with stable codes.
 */
export class TokenService {
  private readonly store: VaultStore;
  private readonly keyRing: SecretCipher;
  private readonly integrations: IntegrationStore;
  private readonly coordinator: RefreshCoordinator;
  private readonly oauth: OAuthSteps;
  private readonly retryPolicy: RetryPolicy;
  private readonly now: () => number;
  private readonly revocationTimeoutMs: number;

  constructor(private readonly options: TokenServiceOptions) {
    this.store = options.store;
    this.keyRing = options.keyRing;
    this.now = options.now ?? Date.now;
    this.integrations = new IntegrationStore(options.store, options.keyRing, this.now);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const leaseMs = options.leaseMs ?? 30_000;
    this.coordinator = new RefreshCoordinator(options.store, { leaseMs, now: this.now });
    this.oauth = options.oauth ?? {
      refreshTokens: oauthRefreshTokens,
      clientCredentials: oauthClientCredentials,
      revokeToken: oauthRevokeToken,
    };
    this.revocationTimeoutMs = options.revocationTimeoutMs ?? 3_000;
  }

  // ---- connections (authorization code) ----

  /** Stores the tokens of a code exchange for (integration, user): a new connection or a reconnect. */
  async saveConnection(integration: Integration, userId: string, tokens: TokenSet): Promise<void> {
    const db = this.store.db;
    const at = this.now();
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await db
        .selectFrom("connections")
        .select("id")
        .where("integration_id", "=", integration.id)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (existing) {
        const sealed = this.sealConnectionTokens(existing.id, tokens.accessToken, tokens.refreshToken);
        await db
          .updateTable("connections")
          .set((eb) => ({
            ...sealed,
            status: "connected" as const,
            token_type: tokens.tokenType,
            scopes: JSON.stringify(tokens.scopes),
            expires_at: storedExpiry(tokens.expiresAt),
            connected_at: at,
            last_refreshed_at: null,
            version: eb("version", "+", 1),
            refresh_lease_owner: null,
            refresh_lease_until: null,
          }))
          .where("id", "=", existing.id)
          .execute();
        return;
      }
      const id = randomUUID();
      try {
        await db
          .insertInto("connections")
          .values({
            id,
            integration_id: integration.id,
            user_id: userId,
            status: "connected",
            ...this.sealConnectionTokens(id, tokens.accessToken, tokens.refreshToken),
            token_type: tokens.tokenType,
            scopes: JSON.stringify(tokens.scopes),
            expires_at: storedExpiry(tokens.expiresAt),
            connected_at: at,
            last_refreshed_at: null,
            version: 1,
            refresh_lease_owner: null,
            refresh_lease_until: null,
          })
          .execute();
        return;
      } catch (err) {
        // Two callbacks for the same user at once: the other insert won, so update its row instead.
        if (!isUniqueViolation(err) || attempt > 0) throw err;
      }
    }
  }

  /**
   * An access token valid for at least `minValiditySeconds` (default 60), refreshed first when needed.
   * Throws login_required (401) or provider_unavailable (503). When the provider is down but the stored
   * token has not expired, that token is served even if it is valid for less than asked.
   */
  async getUserToken(
    integration: Integration,
    userId: string,
    options: { minValiditySeconds?: number } = {},
  ): Promise<AccessTokenResult> {
    const minValidityMs = (options.minValiditySeconds ?? 60) * 1000;
    const row = await this.store.db
      .selectFrom("connections")
      .selectAll()
      .where("integration_id", "=", integration.id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!row) throw loginRequired(integration, "not_connected");
    if (row.status === "reconnect_required") throw loginRequired(integration, "reconnect_required");
    if (Number(row.expires_at) - this.now() >= minValidityMs) return this.connectionResult(row);
    try {
      return this.connectionResult(await this.refreshConnectionRow(integration, row, minValidityMs));
    } catch (err) {
      // Another process holds the refresh lock for too long: what we hold is still the best answer.
      if (errorCode(err) !== "refresh_busy") throw err;
      if (Number(row.expires_at) > this.now()) return this.connectionResult(row);
      throw providerUnavailable(integration, err);
    }
  }

  /**
   * Refreshes one connection if it expires within `minValiditySeconds` (the background refresher's entry).
   * With `expectedVersion` (the version the caller found it at), a connection that has changed since —
   * another process refreshed it — counts as fresh. Never throws: the outcome says what happened.
   */
  async refreshConnection(
    connectionId: string,
    options: { minValiditySeconds: number; expectedVersion?: number },
  ): Promise<"refreshed" | "fresh" | "failed" | "gone"> {
    const row = await this.store.db
      .selectFrom("connections")
      .selectAll()
      .where("id", "=", connectionId)
      .executeTakeFirst();
    if (!row || row.status !== "connected") return "gone";
    if (options.expectedVersion !== undefined && row.version !== options.expectedVersion) return "fresh";
    const integration = await this.integrations.getById(row.integration_id);
    if (!integration) return "gone";
    const minValidityMs = options.minValiditySeconds * 1000;
    if (Number(row.expires_at) - this.now() >= minValidityMs) return "fresh";
    try {
      const after = await this.refreshConnectionRow(integration, row, minValidityMs);
      return after.version !== row.version ? "refreshed" : "failed";
    } catch {
      return "failed";
    }
  }

  async listConnections(userId: string): Promise<ConnectionSummary[]> {
    const rows = await this.store.db
      .selectFrom("connections")
      .innerJoin("integrations", "integrations.id", "connections.integration_id")
      .select([
        "integrations.name as integration",
        "connections.status",
        "connections.scopes",
        "connections.expires_at",
        "connections.connected_at",
        "connections.last_refreshed_at",
      ])
      .where("connections.user_id", "=", userId)
      .orderBy("integrations.name")
      .execute();
    return rows.map((row) => ({
      integration: row.integration,
      status: row.status,
      scopes: JSON.parse(row.scopes) as string[],
      expiresAt: Number(row.expires_at),
      connectedAt: Number(row.connected_at),
      lastRefreshedAt: row.last_refreshed_at === null ? null : Number(row.last_refreshed_at),
    }));
  }

  /** Revokes the user's tokens at the provider (best effort, short timeout), then deletes them. */
  async disconnect(integration: Integration, userId: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom("connections")
      .selectAll()
      .where("integration_id", "=", integration.id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!row) return false;
    const cfg = await this.revocationConfig(integration);
    if (cfg) await this.revokeConnection(cfg, row);
    await this.store.db.deleteFrom("connections").where("id", "=", row.id).execute();
    return true;
  }

  /**
   * Revokes (best effort, within `revocationBudgetMs`, default 30 s) and deletes every connection and the
   * service token of an integration.
   */
  async deleteIntegrationTokens(
    integration: Integration,
    options: { revocationBudgetMs?: number } = {},
  ): Promise<void> {
    const db = this.store.db;
    let cfg = await this.revocationConfig(integration);
    // Revocation is a courtesy: past this budget (an integration with very many users, a slow provider)
    // the rest are only deleted, so the admin's DELETE does not hang.
    const revokeUntil = performance.now() + (options.revocationBudgetMs ?? 30_000);
    for (;;) {
      if (cfg && performance.now() >= revokeUntil) {
        this.options.logger?.warn(
          { integration: integration.name },
          "revocation budget spent; deleting the rest",
        );
        cfg = null;
      }
      const batch = await db
        .selectFrom("connections")
        .selectAll()
        .where("integration_id", "=", integration.id)
        .orderBy("id")
        .limit(REVOKE_BATCH)
        .execute();
      if (batch.length === 0) break;
      const revokeWith = cfg;
      if (revokeWith) {
        await mapLimited(batch, REVOKE_CONCURRENCY, (row) => this.revokeConnection(revokeWith, row));
      }
      await db
        .deleteFrom("connections")
        .where(
          "id",
          "in",
          batch.map((row) => row.id),
        )
        .execute();
    }
    const service = await db
      .selectFrom("service_tokens")
      .selectAll()
      .where("integration_id", "=", integration.id)
      .executeTakeFirst();
    if (service && cfg && service.access_token_enc !== "") {
      await this.revokeQuietly(cfg, this.openServiceToken(service), "access_token");
    }
    await db.deleteFrom("service_tokens").where("integration_id", "=", integration.id).execute();
  }

  // ---- service tokens (client credentials) ----

  /** The integration's client-credentials token, valid for at least `minValiditySeconds` (default 60). */
  async getServiceToken(
    integration: Integration,
    options: { minValiditySeconds?: number } = {},
  ): Promise<AccessTokenResult> {
    if (integration.grantType !== "client_credentials") {
      throw new GatehouseError(
        "integration_grant_mismatch",
        `${integration.name} is not a client-credentials integration`,
        400,
        { integration: integration.name },
      );
    }
    const minValidityMs = (options.minValiditySeconds ?? 60) * 1000;
    let row = await this.readServiceToken(this.store.db, integration.id);
    if (row && this.serviceTokenValidFor(row, minValidityMs)) return this.serviceResult(row);
    if (!row) {
      // The lock needs a row: an empty placeholder ("" token, version 0) that no reader serves.
      await this.store.db
        .insertInto("service_tokens")
        .values({
          integration_id: integration.id,
          access_token_enc: "",
          token_type: "Bearer",
          scopes: "[]",
          expires_at: 0,
          obtained_at: 0,
          version: 0,
          refresh_lease_owner: null,
          refresh_lease_until: null,
          key_id: "",
        })
        .onConflict((oc) => oc.column("integration_id").doNothing())
        .execute();
      row = await this.readServiceToken(this.store.db, integration.id);
      if (!row) throw new GatehouseError("integration_not_found", `No integration ${integration.name}`, 404);
    }
    const seenVersion = row.version;
    // Built before taking the lock: it may need the database, and a PostgreSQL lock holds a pool connection.
    const cfg = await this.options.oauthConfigFor(integration);
    const held = row;
    try {
      const result = await this.coordinator.withServiceToken(integration.id, seenVersion, (locked, db) =>
        this.obtainServiceTokenLocked(integration, cfg, locked, seenVersion, minValidityMs, db),
      );
      return this.serviceResult(result);
    } catch (err) {
      // Another process holds the lock for too long: serve what we hold if it has not expired.
      if (errorCode(err) !== "refresh_busy") throw err;
      if (held.access_token_enc !== "" && Number(held.expires_at) > this.now())
        return this.serviceResult(held);
      throw providerUnavailable(integration, err);
    }
  }

  // ---- the refresh itself ----

  private async refreshConnectionRow(
    integration: Integration,
    row: ConnectionRow,
    minValidityMs: number,
  ): Promise<ConnectionRow> {
    const seenVersion = row.version;
    // Built before taking the lock: it may need the database, and a PostgreSQL lock holds a pool connection.
    const cfg = await this.options.oauthConfigFor(integration);
    const result = await this.coordinator.withConnection(row.id, seenVersion, (locked, db) =>
      this.refreshLocked(integration, cfg, locked, seenVersion, minValidityMs, db, true),
    );
    // Thrown only now: inside the lock a throw would roll back the reconnect_required mark on PostgreSQL.
    if (result instanceof GatehouseError) throw result;
    return result;
  }

  /**
   * Runs with the refresh lock held (or, on SQLite, once the row changed under a waiter). Writes only if
   * the row is still the version the caller saw, and commits before the lock is released. An error that
   * follows a write (reconnect_required) is returned, not thrown, so that the write commits.
   */
  private async refreshLocked(
    integration: Integration,
    cfg: OAuthClientConfig,
    locked: ConnectionRow | undefined,
    seenVersion: number,
    minValidityMs: number,
    db: Kysely<Database>,
    mayRetryRace: boolean,
  ): Promise<ConnectionRow | GatehouseError> {
    if (!locked) throw loginRequired(integration, "not_connected");
    if (locked.status === "reconnect_required") throw loginRequired(integration, "reconnect_required");
    const now = this.now();
    if (locked.version !== seenVersion || Number(locked.expires_at) - now >= minValidityMs) {
      this.options.metrics?.refreshes?.("skipped", "user");
      return locked;
    }
    const oldRefreshToken = locked.refresh_token_enc
      ? this.keyRing.decrypt(locked.refresh_token_enc, aad.connectionRefreshToken(locked.id))
      : null;
    if (!oldRefreshToken) {
      if (Number(locked.expires_at) > now) return locked;
      await this.markReconnectRequired(db, locked);
      return loginRequired(integration, "no_refresh_token");
    }

    let tokens: TokenSet;
    try {
      const oldScopes = JSON.parse(locked.scopes) as string[];
      tokens = await withRetry(
        () =>
          this.timed("refresh", () =>
            this.oauth.refreshTokens(cfg, oldRefreshToken, { fallbackScopes: oldScopes }),
          ),
        {
          policy: this.retryPolicy,
          now: this.now,
          onRetry: (err, attempt, delayMs) =>
            this.options.logger?.warn(
              {
                integration: integration.name,
                connectionId: locked.id,
                attempt,
                delayMs,
                code: errorCode(err),
              },
              "token refresh failed, retrying",
            ),
        },
      );
    } catch (err) {
      if (errorCode(err) === "invalid_grant") {
        // Refused: but if the stored refresh token changed meanwhile, another refresher won a race
        // (possible only after a lost lease) and its token is the one to use.
        const fresh = await db
          .selectFrom("connections")
          .selectAll()
          .where("id", "=", locked.id)
          .executeTakeFirst();
        if (mayRetryRace && fresh && fresh.status === "connected" && fresh.refresh_token_enc) {
          const current = this.keyRing.decrypt(fresh.refresh_token_enc, aad.connectionRefreshToken(fresh.id));
          if (current !== oldRefreshToken) {
            this.options.logger?.info(
              { integration: integration.name, connectionId: locked.id },
              "refresh race resolved",
            );
            return this.refreshLocked(integration, cfg, fresh, fresh.version, minValidityMs, db, false);
          }
        }
        await this.markReconnectRequired(db, locked);
        this.options.metrics?.refreshes?.("invalid_grant", "user");
        this.options.logger?.warn(
          { integration: integration.name, connectionId: locked.id },
          "refresh token refused; connection needs reconnecting",
        );
        return loginRequired(integration, "refresh_rejected");
      }
      const transient = isTransient(err);
      this.options.metrics?.refreshes?.(transient ? "provider_unavailable" : "error", "user");
      this.options.logger?.warn(
        { integration: integration.name, connectionId: locked.id, code: errorCode(err) },
        "token refresh failed",
      );
      // The provider is down (or misconfigured) but the token we hold still works: serve it.
      if (Number(locked.expires_at) > this.now()) return locked;
      if (transient) throw providerUnavailable(integration, err);
      throw err;
    }

    const refreshedAt = this.now();
    const sealed = this.sealConnectionTokens(
      locked.id,
      tokens.accessToken,
      tokens.refreshToken ?? oldRefreshToken,
    );
    const update = {
      ...sealed,
      token_type: tokens.tokenType,
      scopes: JSON.stringify(
        tokens.scopes.length > 0 ? tokens.scopes : (JSON.parse(locked.scopes) as string[]),
      ),
      expires_at: storedExpiry(tokens.expiresAt),
      last_refreshed_at: refreshedAt,
      version: locked.version + 1,
      refresh_lease_owner: null,
      refresh_lease_until: null,
    };
    const written = await db
      .updateTable("connections")
      .set(update)
      .where("id", "=", locked.id)
      .where("version", "=", locked.version)
      .executeTakeFirst();
    if (written.numUpdatedRows !== 1n) {
      // Our lease ran out and someone else wrote first: theirs is the stored truth.
      this.options.logger?.warn(
        { integration: integration.name, connectionId: locked.id },
        "refresh lost its lease",
      );
      const current = await db
        .selectFrom("connections")
        .selectAll()
        .where("id", "=", locked.id)
        .executeTakeFirst();
      if (!current) throw loginRequired(integration, "not_connected");
      return current;
    }
    this.options.metrics?.refreshes?.("success", "user");
    this.options.logger?.debug?.(
      { integration: integration.name, connectionId: locked.id },
      "token refreshed",
    );
    return { ...locked, ...update };
  }

  private async obtainServiceTokenLocked(
    integration: Integration,
    cfg: OAuthClientConfig,
    locked: ServiceTokenRow | undefined,
    seenVersion: number,
    minValidityMs: number,
    db: Kysely<Database>,
  ): Promise<ServiceTokenRow> {
    if (!locked) throw new GatehouseError("integration_not_found", `No integration ${integration.name}`, 404);
    if (locked.version !== seenVersion || this.serviceTokenValidFor(locked, minValidityMs)) {
      this.options.metrics?.refreshes?.("skipped", "service");
      if (locked.access_token_enc === "") throw providerUnavailable(integration, undefined);
      return locked;
    }
    let tokens: TokenSet;
    try {
      tokens = await withRetry(
        () =>
          this.timed("client_credentials", () =>
            this.oauth.clientCredentials(cfg, { scopes: integration.scopes }),
          ),
        { policy: this.retryPolicy, now: this.now },
      );
    } catch (err) {
      const transient = isTransient(err);
      this.options.metrics?.refreshes?.(transient ? "provider_unavailable" : "error", "service");
      this.options.logger?.warn(
        { integration: integration.name, code: errorCode(err) },
        "service token request failed",
      );
      if (locked.access_token_enc !== "" && Number(locked.expires_at) > this.now()) return locked;
      if (transient) throw providerUnavailable(integration, err);
      throw err;
    }
    const enc = this.keyRing.encrypt(tokens.accessToken, aad.serviceAccessToken(integration.id));
    const update = {
      access_token_enc: enc,
      key_id: keyIdOf(enc),
      token_type: tokens.tokenType,
      scopes: JSON.stringify(tokens.scopes),
      expires_at: storedExpiry(tokens.expiresAt),
      obtained_at: this.now(),
      version: locked.version + 1,
      refresh_lease_owner: null,
      refresh_lease_until: null,
    };
    const written = await db
      .updateTable("service_tokens")
      .set(update)
      .where("integration_id", "=", integration.id)
      .where("version", "=", locked.version)
      .executeTakeFirst();
    this.options.metrics?.refreshes?.("success", "service");
    if (written.numUpdatedRows !== 1n) {
      // Someone else stored one after our lease ran out; ours is just as valid (service tokens do not
      // rotate anything), so it is served without being stored.
      this.options.logger?.warn({ integration: integration.name }, "service token refresh lost its lease");
    }
    return { ...locked, ...update };
  }

  // ---- helpers ----

  private async markReconnectRequired(db: Kysely<Database>, row: ConnectionRow): Promise<void> {
    await db
      .updateTable("connections")
      .set({
        status: "reconnect_required",
        version: row.version + 1,
        refresh_lease_owner: null,
        refresh_lease_until: null,
      })
      .where("id", "=", row.id)
      .where("version", "=", row.version)
      .execute();
  }

  private sealConnectionTokens(id: string, accessToken: string, refreshToken: string | null) {
    const accessEnc = this.keyRing.encrypt(accessToken, aad.connectionAccessToken(id));
    return {
      access_token_enc: accessEnc,
      refresh_token_enc: refreshToken
        ? this.keyRing.encrypt(refreshToken, aad.connectionRefreshToken(id))
        : null,
      key_id: keyIdOf(accessEnc),
    };
  }

  private connectionResult(row: ConnectionRow): AccessTokenResult {
    return {
      accessToken: this.keyRing.decrypt(row.access_token_enc, aad.connectionAccessToken(row.id)),
      tokenType: "Bearer",
      expiresAt: Number(row.expires_at),
      scopes: JSON.parse(row.scopes) as string[],
    };
  }

  private readServiceToken(
    db: Kysely<Database>,
    integrationId: string,
  ): Promise<ServiceTokenRow | undefined> {
    return db
      .selectFrom("service_tokens")
      .selectAll()
      .where("integration_id", "=", integrationId)
      .executeTakeFirst();
  }

  private serviceTokenValidFor(row: ServiceTokenRow, minValidityMs: number): boolean {
    return row.access_token_enc !== "" && Number(row.expires_at) - this.now() >= minValidityMs;
  }

  private openServiceToken(row: ServiceTokenRow): string {
    return this.keyRing.decrypt(row.access_token_enc, aad.serviceAccessToken(row.integration_id));
  }

  private serviceResult(row: ServiceTokenRow): AccessTokenResult {
    return {
      accessToken: this.openServiceToken(row),
      tokenType: "Bearer",
      expiresAt: Number(row.expires_at),
      scopes: JSON.parse(row.scopes) as string[],
    };
  }

  private async revocationConfig(integration: Integration): Promise<OAuthClientConfig | null> {
    if (!integration.revocationUrl) return null;
    try {
      const cfg = await this.options.oauthConfigFor(integration);
      return {
        ...cfg,
        timeoutMs: Math.min(cfg.timeoutMs ?? this.revocationTimeoutMs, this.revocationTimeoutMs),
      };
    } catch {
      return null;
    }
  }

  /** Refresh token first (ending the grant at most providers), then the access token; failures ignored. */
  private async revokeConnection(cfg: OAuthClientConfig, row: ConnectionRow): Promise<void> {
    const refreshToken = row.refresh_token_enc
      ? this.keyRing.decrypt(row.refresh_token_enc, aad.connectionRefreshToken(row.id))
      : null;
    const accessToken = this.keyRing.decrypt(row.access_token_enc, aad.connectionAccessToken(row.id));
    await Promise.all([
      refreshToken ? this.revokeQuietly(cfg, refreshToken, "refresh_token") : Promise.resolve(),
      this.revokeQuietly(cfg, accessToken, "access_token"),
    ]);
  }

  private async revokeQuietly(
    cfg: OAuthClientConfig,
    token: string,
    hint: "access_token" | "refresh_token",
  ): Promise<void> {
    try {
      await this.timed("revoke", () => this.oauth.revokeToken(cfg, token, hint));
    } catch (err) {
      this.options.logger?.warn({ problem: errorCode(err), hint }, "token revocation failed (ignored)");
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

function errorCode(err: unknown): string | undefined {
  return err instanceof GatehouseError ? err.code : undefined;
}

async function mapLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
