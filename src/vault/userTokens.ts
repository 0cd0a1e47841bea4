import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { errorCodeOf } from "../errors.ts";
import { SharedLoads } from "../cache/sharedLoads.ts";
import type { OAuthClientConfig, TokenSet } from "../oauth/index.ts";
import { connectionTimes, type ConnectionRow, type ConnectionStore } from "./connectionStore.ts";
import { loginRequired, providerUnavailable, type LoginReason } from "./errors.ts";
import type { HeldTokens } from "./heldTokens.ts";
import type { Integration, IntegrationStore } from "./integrationStore.ts";
import type { RenewalRule } from "./renewal.ts";
import { isTransient } from "./retry.ts";
import { storedScopes, type AccessTokenResult } from "./storage.ts";
import type { RefreshOutcome, TokenSourceOptions } from "./upstream.ts";

/** What a stored connection calls for, decided from the row alone (before the lock, and again under it). */
export type RefreshDecision =
  /** No such connection. */
  | "gone"
  /** Marked for reconnecting: only the user can fix it. */
  | "reconnect_required"
  /** The rule keeps it, or it changed since the caller read it (someone else refreshed): use it as it is. */
  | "fresh"
  /** Nothing to refresh with, but the token held has not expired: serve it. */
  | "serve_held"
  /** Expired, and nothing to refresh with: the user must connect again. */
  | "no_refresh_token"
  | "refresh";

/**
 * What a row calls for under `rule` (renewal.ts: a validity capped at half the token's lifetime, or a forced
 * refresh). `seenVersion` is the version the caller read before asking for the lock: a row at another
 * version was written meanwhile, and that write is the refresh the caller wanted.
 */
export function decideRefresh(
  row: ConnectionRow | undefined,
  seenVersion: number,
  rule: RenewalRule,
  now: number,
): RefreshDecision {
  if (!row) return "gone";
  if (row.status === "reconnect_required") return "reconnect_required";
  if (row.version !== seenVersion || !rule(connectionTimes(row), now)) return "fresh";
  if (!row.refresh_token_enc) return Number(row.expires_at) > now ? "serve_held" : "no_refresh_token";
  return "refresh";
}

/** What a refresh under the lock came to. */
export type RefreshResult =
  /** New tokens stored. */
  | { outcome: "refreshed"; row: ConnectionRow }
  /** Nothing to do: someone else refreshed, or it was valid long enough once the lock was held. */
  | { outcome: "already_fresh"; row: ConnectionRow }
  /** No refresh happened (nothing to refresh with, or the provider failed), but the held token still works. */
  | { outcome: "served_held"; row: ConnectionRow }
  /** Our lease ran out and another refresher wrote first: its row is the stored truth. */
  | { outcome: "lost_lease"; row: ConnectionRow }
  /** No usable connection, and why (a refused refresh token is marked reconnect_required first). */
  | { outcome: "login_required"; reason: LoginReason }
  /** The provider failed and the held token has expired. */
  | { outcome: "failed"; error: unknown };

/** The provider refused the refresh token (invalid_grant); nothing is written yet. */
interface Refused {
  outcome: "refused";
  row: ConnectionRow;
  refreshToken: string;
}

/** One refresh, with everything it needs, under the lock. */
interface LockedRefresh {
  integration: Integration;
  cfg: OAuthClientConfig;
  rule: RenewalRule;
  db: Kysely<Database>;
}

export interface UserTokensOptions extends TokenSourceOptions {
  connections: ConnectionStore;
  integrations: IntegrationStore;
  /** The in-memory tokens of the token API (absent: every read goes to the database). */
  held?: HeldTokens;
}

/**
 * Access tokens of user connections, refreshed when they expire within the asked validity. Where a refresh
 * is decided: take the lock (RefreshCoordinator), re-read, decide (`decideRefresh`), call the provider,
 * store, and name the outcome (`RefreshResult`); errors are thrown only after the lock is released, so
 * that a reconnect_required mark commits.
 */
export class UserTokens {
  /** Concurrent reads of one connection's row (sharedLoads.ts). */
  private readonly rowReads = new SharedLoads<ConnectionRow | undefined>();

  constructor(private readonly options: UserTokensOptions) {}

  /**
   * The connection's access token, refreshed first when `rule` says so. Throws login_required (401) or
   * provider_unavailable (503). When the provider is down but the stored token has not expired, that token
   * is served even if the rule wanted it renewed.
   */
  async get(integration: Integration, userId: string, rule: RenewalRule): Promise<AccessTokenResult> {
    const { connections, now, held } = this.options;
    const cached = held?.userToken(integration.id, userId, rule);
    if (cached) return cached;
    const ticket = held?.ticket() ?? 0;
    // With the caches on, the requests that miss this connection at once (its token's entry just ended under
    // load) share one read of the row; each still decides with its own rule. Off, every request reads.
    const row = held
      ? await this.rowReads.load(`${integration.id}:${userId}`, ticket, () =>
          connections.find(integration.id, userId),
        )
      : await connections.find(integration.id, userId);
    const decision = decideRefresh(row, row?.version ?? 0, rule, now());
    if (!row || decision === "gone") throw loginRequired(integration, "not_connected");
    if (decision === "reconnect_required") throw loginRequired(integration, "reconnect_required");
    if (decision === "fresh") return this.serve(row, ticket);
    try {
      return this.serve(settle(integration, await this.refresh(integration, row, rule)), ticket);
    } catch (err) {
      // Another process holds the refresh lock for too long: what we hold is still the best answer.
      if (errorCodeOf(err) !== "refresh_busy") throw err;
      if (Number(row.expires_at) > now()) return connections.toResult(row);
      throw providerUnavailable(integration, err);
    }
  }

  /**
   * Refreshes one connection if `rule` says so (the background refresher's entry). With `expectedVersion`
   * (the version the caller found it at), a connection that has changed since — another process refreshed
   * it — counts as fresh. Never throws: the answer says what happened.
   */
  async refreshInBackground(
    connectionId: string,
    options: { rule: RenewalRule; expectedVersion?: number },
  ): Promise<"refreshed" | "fresh" | "failed" | "gone"> {
    const { connections, integrations, now } = this.options;
    const row = await connections.byId(connectionId);
    if (!row || row.status !== "connected") return "gone";
    if (options.expectedVersion !== undefined && row.version !== options.expectedVersion) return "fresh";
    const integration = await integrations.getById(row.integration_id);
    if (!integration) return "gone";
    if (!options.rule(connectionTimes(row), now())) return "fresh";
    try {
      const after = settle(integration, await this.refresh(integration, row, options.rule));
      return after.version !== row.version ? "refreshed" : "failed";
    } catch {
      return "failed";
    }
  }

  /** The row's token, held in memory for the next request when nothing changed since `ticket`. */
  private serve(row: ConnectionRow, ticket: number): AccessTokenResult {
    const result = this.options.connections.toResult(row);
    this.options.held?.holdUserToken(row, result, ticket);
    return result;
  }

  private async refresh(
    integration: Integration,
    row: ConnectionRow,
    rule: RenewalRule,
  ): Promise<RefreshResult> {
    // Built before taking the lock: it may need the database, and a PostgreSQL lock holds a pool connection.
    const cfg = await this.options.oauthConfigFor(integration);
    return this.options.coordinator.withConnection(row.id, row.version, (locked, db) =>
      this.underLock({ integration, cfg, rule, db }, locked, row.version),
    );
  }

  /**
   * With the lock held (or, on SQLite, once the row changed under a waiter). A refused refresh token is
   * checked once against the row as it is now: if another refresher rotated it meanwhile (possible only
   * after a lost lease), the stored one is tried before the connection is given up.
   */
  private async underLock(
    run: LockedRefresh,
    locked: ConnectionRow | undefined,
    seenVersion: number,
  ): Promise<RefreshResult> {
    const first = await this.attempt(run, locked, seenVersion);
    if (first.outcome !== "refused") return first;
    const current = await this.options.connections.byId(first.row.id, run.db);
    if (!current || !this.rotatedSince(current, first.refreshToken)) return this.giveUp(run, first.row);
    this.options.logger?.info(
      { integration: run.integration.name, connectionId: current.id },
      "refresh race resolved",
    );
    const second = await this.attempt(run, current, current.version);
    return second.outcome === "refused" ? this.giveUp(run, current) : second;
  }

  /** Decides on `row` and, when it calls for one, refreshes it. */
  private async attempt(
    run: LockedRefresh,
    row: ConnectionRow | undefined,
    seenVersion: number,
  ): Promise<RefreshResult | Refused> {
    const decision = decideRefresh(row, seenVersion, run.rule, this.options.now());
    if (!row || decision === "gone") return { outcome: "login_required", reason: "not_connected" };
    switch (decision) {
      case "reconnect_required":
        return { outcome: "login_required", reason: "reconnect_required" };
      case "fresh":
        this.count("skipped");
        return { outcome: "already_fresh", row };
      case "serve_held":
        return { outcome: "served_held", row };
      case "no_refresh_token":
        await this.options.connections.markReconnectRequired(run.db, row);
        return { outcome: "login_required", reason: "no_refresh_token" };
      case "refresh":
        // "refresh" means the row holds a refresh token.
        return this.refreshWithProvider(run, row, this.options.connections.openRefreshToken(row)!);
    }
  }

  private async refreshWithProvider(
    run: LockedRefresh,
    row: ConnectionRow,
    refreshToken: string,
  ): Promise<RefreshResult | Refused> {
    const log = { integration: run.integration.name, connectionId: row.id };
    let tokens: TokenSet;
    try {
      tokens = await this.options.upstream.refresh(run.cfg, refreshToken, storedScopes(row.scopes), log);
    } catch (err) {
      if (errorCodeOf(err) === "invalid_grant") return { outcome: "refused", row, refreshToken };
      const transient = isTransient(err);
      this.count(transient ? "provider_unavailable" : "error");
      this.options.logger?.warn({ ...log, code: errorCodeOf(err) }, "token refresh failed");
      // The provider is down (or misconfigured) but the token we hold still works: serve it.
      if (Number(row.expires_at) > this.options.now()) return { outcome: "served_held", row };
      return { outcome: "failed", error: transient ? providerUnavailable(run.integration, err) : err };
    }
    const written = await this.options.connections.writeRefreshed(run.db, row, tokens, refreshToken);
    if (!written) {
      this.options.logger?.warn(log, "refresh lost its lease");
      const current = await this.options.connections.byId(row.id, run.db);
      return current
        ? { outcome: "lost_lease", row: current }
        : { outcome: "login_required", reason: "not_connected" };
    }
    this.count("success");
    this.options.logger?.debug?.(log, "token refreshed");
    return { outcome: "refreshed", row: written };
  }

  /** Whether the row now holds a refresh token other than the one the provider refused. */
  private rotatedSince(row: ConnectionRow, refused: string): boolean {
    if (row.status !== "connected" || !row.refresh_token_enc) return false;
    return this.options.connections.openRefreshToken(row) !== refused;
  }

  /** The refusal stands: the user must connect again. */
  private async giveUp(run: LockedRefresh, row: ConnectionRow): Promise<RefreshResult> {
    await this.options.connections.markReconnectRequired(run.db, row);
    this.count("invalid_grant");
    this.options.logger?.warn(
      { integration: run.integration.name, connectionId: row.id },
      "refresh token refused; connection needs reconnecting",
    );
    return { outcome: "login_required", reason: "refresh_rejected" };
  }

  private count(outcome: RefreshOutcome): void {
    this.options.metrics?.refreshes?.(outcome, "user");
  }
}

/** The row a result leaves to serve, or the error it comes to (thrown outside the lock). */
function settle(integration: Integration, result: RefreshResult): ConnectionRow {
  switch (result.outcome) {
    case "login_required":
      throw loginRequired(integration, result.reason);
    case "failed":
      throw result.error;
    default:
      return result.row;
  }
}
