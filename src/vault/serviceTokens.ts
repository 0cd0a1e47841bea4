import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { errorCodeOf, errors } from "../errors.ts";
import type { OAuthClientConfig, TokenSet } from "../oauth/index.ts";
import { providerUnavailable } from "./errors.ts";
import type { HeldTokens } from "./heldTokens.ts";
import type { Integration } from "./integrationStore.ts";
import { isTransient } from "./retry.ts";
import type { RenewalRule } from "./renewal.ts";
import { ServiceTokenStore, serviceTokenTimes, type ServiceTokenRow } from "./serviceTokenStore.ts";
import type { AccessTokenResult } from "./storage.ts";
import type { RefreshOutcome, TokenSourceOptions } from "./upstream.ts";

/** What obtaining a client-credentials token under the lock came to. */
export type ServiceTokenResult =
  /** A new token from the provider (stored, unless another process stored one after our lease ran out). */
  | { outcome: "obtained"; row: ServiceTokenRow }
  /** Someone else obtained one meanwhile, or the stored one is valid long enough. */
  | { outcome: "already_fresh"; row: ServiceTokenRow }
  /** The provider failed, but the stored token has not expired. */
  | { outcome: "served_held"; row: ServiceTokenRow }
  | { outcome: "failed"; error: unknown };

/** One request for a token, with everything it needs, under the lock. */
interface LockedRequest {
  integration: Integration;
  cfg: OAuthClientConfig;
  rule: RenewalRule;
  db: Kysely<Database>;
}

export interface ServiceTokensOptions extends TokenSourceOptions {
  tokens: ServiceTokenStore;
  /** The in-memory tokens of the token API (absent: every read goes to the database). */
  held?: HeldTokens;
}

/**
 * Client-credentials tokens: one per integration, no user. Obtained under the same cross-process lock as
 * user refreshes (service tokens rotate nothing, so a lost race only costs a spare token).
 */
export class ServiceTokens {
  constructor(private readonly options: ServiceTokensOptions) {}

  /** The integration's token, obtained anew first when `rule` says so (renewal.ts). */
  async get(integration: Integration, rule: RenewalRule): Promise<AccessTokenResult> {
    if (integration.grantType !== "client_credentials") {
      throw errors.grantMismatch(
        integration.name,
        `${integration.name} is not a client-credentials integration`,
      );
    }
    const { tokens, now, held: heldTokens } = this.options;
    const cached = heldTokens?.serviceToken(integration.id, rule);
    if (cached) return cached;
    const ticket = heldTokens?.ticket() ?? 0;
    const stored = await tokens.read(integration.id);
    if (stored && this.keeps(rule, stored)) return this.serve(stored, ticket);
    // The lock needs a row to lock.
    const held = stored ?? (await tokens.readOrPlaceholder(integration.id));
    if (!held) throw errors.integrationNotFound(integration.name);
    // Built before taking the lock: it may need the database, and a PostgreSQL lock holds a pool connection.
    const cfg = await this.options.oauthConfigFor(integration);
    let result: ServiceTokenResult;
    try {
      result = await this.options.coordinator.withServiceToken(integration.id, held.version, (locked, db) =>
        this.underLock({ integration, cfg, rule, db }, locked, held.version),
      );
    } catch (err) {
      // Another process holds the lock for too long: serve what we hold if it has not expired.
      if (errorCodeOf(err) !== "refresh_busy") throw err;
      if (!ServiceTokenStore.isPlaceholder(held) && Number(held.expires_at) > now()) {
        return tokens.toResult(held);
      }
      throw providerUnavailable(integration, err);
    }
    if (result.outcome === "failed") throw result.error;
    return this.serve(result.row, ticket);
  }

  /** The row's token, held in memory for the next request when nothing changed since `ticket`. */
  private serve(row: ServiceTokenRow, ticket: number): AccessTokenResult {
    const result = this.options.tokens.toResult(row);
    this.options.held?.holdServiceToken(row, result, ticket);
    return result;
  }

  private async underLock(
    { integration, cfg, rule, db }: LockedRequest,
    locked: ServiceTokenRow | undefined,
    seenVersion: number,
  ): Promise<ServiceTokenResult> {
    if (!locked) return { outcome: "failed", error: errors.integrationNotFound(integration.name) };
    if (locked.version !== seenVersion || this.keeps(rule, locked)) {
      this.count("skipped");
      // Changed meanwhile yet still empty: whoever changed it got no token either.
      if (ServiceTokenStore.isPlaceholder(locked)) {
        return { outcome: "failed", error: providerUnavailable(integration, undefined) };
      }
      return { outcome: "already_fresh", row: locked };
    }
    let obtained: TokenSet;
    try {
      obtained = await this.options.upstream.clientCredentials(cfg, integration.scopes);
    } catch (err) {
      const transient = isTransient(err);
      this.count(transient ? "provider_unavailable" : "error");
      this.options.logger?.warn(
        { integration: integration.name, code: errorCodeOf(err) },
        "service token request failed",
      );
      if (!ServiceTokenStore.isPlaceholder(locked) && Number(locked.expires_at) > this.options.now()) {
        return { outcome: "served_held", row: locked };
      }
      return { outcome: "failed", error: transient ? providerUnavailable(integration, err) : err };
    }
    const { row, stored } = await this.options.tokens.write(db, locked, obtained);
    this.count("success");
    if (!stored) {
      // Someone else stored one after our lease ran out; ours is just as valid, so it is served unstored.
      this.options.logger?.warn({ integration: integration.name }, "service token refresh lost its lease");
    }
    return { outcome: "obtained", row };
  }

  /** A stored token the rule lets be served as it is. */
  private keeps(rule: RenewalRule, row: ServiceTokenRow): boolean {
    return !ServiceTokenStore.isPlaceholder(row) && !rule(serviceTokenTimes(row), this.options.now());
  }

  private count(outcome: RefreshOutcome): void {
    this.options.metrics?.refreshes?.(outcome, "service");
  }
}
