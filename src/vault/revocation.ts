import type { OAuthClientConfig } from "../oauth/index.ts";
import type { ConnectionRow, ConnectionStore } from "./connectionStore.ts";
import type { Integration } from "./integrationStore.ts";
import { ServiceTokenStore } from "./serviceTokenStore.ts";
import type { Upstream, VaultLogger } from "./upstream.ts";

const REVOKE_BATCH = 100;
const REVOKE_CONCURRENCY = 8;

export interface RevocationOptions {
  connections: ConnectionStore;
  serviceTokens: ServiceTokenStore;
  upstream: Upstream;
  oauthConfigFor: (integration: Integration) => OAuthClientConfig | Promise<OAuthClientConfig>;
  logger?: VaultLogger;
  /** Timeout of each revocation call (best effort). */
  revocationTimeoutMs: number;
}

/**
 * Ending stored grants: revoke at the provider (RFC 7009, best effort and time-bounded: a provider that is
 * down must not keep a user or an admin from removing tokens), then delete.
 */
export class Revocation {
  constructor(private readonly options: RevocationOptions) {}

  /** Revokes the user's tokens at the provider, then deletes them; false when there is no connection. */
  async disconnect(integration: Integration, userId: string): Promise<boolean> {
    const { connections } = this.options;
    const row = await connections.find(integration.id, userId);
    if (!row) return false;
    const cfg = await this.revocationConfig(integration);
    if (cfg) await this.revokeConnection(cfg, row);
    await connections.delete(row);
    return true;
  }

  /**
   * Revokes (within `revocationBudgetMs`, default 30 s) and deletes every connection and the service token
   * of an integration.
   */
  async deleteIntegrationTokens(
    integration: Integration,
    options: { revocationBudgetMs?: number } = {},
  ): Promise<void> {
    const { connections, serviceTokens, upstream, logger } = this.options;
    let cfg = await this.revocationConfig(integration);
    // Revocation is a courtesy: past this budget (an integration with very many users, a slow provider)
    // the rest are only deleted, so the admin's DELETE does not hang.
    const revokeUntil = performance.now() + (options.revocationBudgetMs ?? 30_000);
    for (;;) {
      if (cfg && performance.now() >= revokeUntil) {
        logger?.warn({ integration: integration.name }, "revocation budget spent; deleting the rest");
        cfg = null;
      }
      const batch = await connections.batchOf(integration.id, REVOKE_BATCH);
      if (batch.length === 0) break;
      const revokeWith = cfg;
      if (revokeWith) {
        await mapLimited(batch, REVOKE_CONCURRENCY, (row) => this.revokeConnection(revokeWith, row));
      }
      await connections.deleteBatch(
        integration.id,
        batch.map((row) => row.id),
      );
    }
    const service = await serviceTokens.read(integration.id);
    if (service && cfg && !ServiceTokenStore.isPlaceholder(service)) {
      await upstream.revokeQuietly(cfg, serviceTokens.open(service), "access_token");
    }
    await serviceTokens.delete(integration.id);
  }

  /** The integration's client config with the revocation timeout, or null when it cannot revoke. */
  private async revocationConfig(integration: Integration): Promise<OAuthClientConfig | null> {
    if (!integration.revocationUrl) return null;
    const bound = this.options.revocationTimeoutMs;
    try {
      const cfg = await this.options.oauthConfigFor(integration);
      return { ...cfg, timeoutMs: Math.min(cfg.timeoutMs ?? bound, bound) };
    } catch {
      return null;
    }
  }

  /** Refresh token first (ending the grant at most providers), then the access token; failures ignored. */
  private async revokeConnection(cfg: OAuthClientConfig, row: ConnectionRow): Promise<void> {
    const { connections, upstream } = this.options;
    const refreshToken = connections.openRefreshToken(row);
    const accessToken = connections.openAccessToken(row);
    await Promise.all([
      refreshToken ? upstream.revokeQuietly(cfg, refreshToken, "refresh_token") : Promise.resolve(),
      upstream.revokeQuietly(cfg, accessToken, "access_token"),
    ]);
  }
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
