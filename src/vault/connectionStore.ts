import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { inTransaction, publishChange, type Change } from "../db/changeFeed.ts";
import type { ConnectionsTable, Database } from "../db/schema.ts";
import { identityFromTokens, type AccountIdentity } from "../oauth/identity.ts";
import type { TokenSet } from "../oauth/index.ts";
import { accountColumns, identityFromRow, knownAccountColumns } from "./accountIdentity.ts";
import { aad } from "./aad.ts";
import type { Integration } from "./integrationStore.ts";
import { timesOf, type TokenTimes } from "./renewal.ts";
import {
  accessTokenResult,
  isUniqueViolation,
  seal,
  storedExpiry,
  storedScopes,
  type AccessTokenResult,
  type SecretCipher,
  type VaultStore,
  writeUnderLock,
} from "./storage.ts";

export type ConnectionRow = Selectable<ConnectionsTable>;

const connectionChanged = (id: string): Change => ({ kind: "connection_changed", key: id });

/** When the row's access token was issued (its last refresh, else the connect) and when it expires. */
export function connectionTimes(row: ConnectionRow): TokenTimes {
  return timesOf(row.expires_at, row.last_refreshed_at ?? row.connected_at);
}

export interface ConnectionSummary {
  integration: string;
  status: "connected" | "reconnect_required";
  scopes: string[];
  expiresAt: number;
  connectedAt: number;
  lastRefreshedAt: number | null;
  /** The provider account, where the provider told it (see accountIdentity.ts). */
  account: AccountIdentity | null;
}

/** The sealed token columns of a connection row. */
interface SealedTokens {
  access_token_enc: string;
  refresh_token_enc: string | null;
  key_id: string;
}

/**
 * User connections (authorization code): the rows, with the access and refresh tokens sealed under the
 * row's identity. Writes that follow a refresh go through the locked handle the coordinator gives, and
 * only match the version that was read (compare-and-set), so a write after a lost lease changes nothing.
 */
export class ConnectionStore {
  constructor(
    private readonly store: VaultStore,
    private readonly cipher: SecretCipher,
    private readonly now: () => number,
  ) {}

  find(integrationId: string, userId: string): Promise<ConnectionRow | undefined> {
    return this.store.db
      .selectFrom("connections")
      .selectAll()
      .where("integration_id", "=", integrationId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
  }

  byId(id: string, db: Kysely<Database> = this.store.db): Promise<ConnectionRow | undefined> {
    return db.selectFrom("connections").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * Stores the tokens of a code exchange for (integration, user): a new connection or a reconnect. `account`
   * defaults to what the tokens themselves say (the hub may know more, from userinfo).
   */
  async save(
    integration: Integration,
    userId: string,
    tokens: TokenSet,
    account: AccountIdentity | null = identityFromTokens(tokens),
  ): Promise<void> {
    const db = this.store.db;
    const at = this.now();
    const fields = {
      status: "connected" as const,
      token_type: tokens.tokenType,
      scopes: JSON.stringify(tokens.scopes),
      expires_at: storedExpiry(tokens.expiresAt),
      connected_at: at,
      last_refreshed_at: null,
      // Every field, null where unknown: a reconnect may be another account.
      ...accountColumns(account),
      refresh_lease_owner: null,
      refresh_lease_until: null,
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await this.find(integration.id, userId);
      if (existing) {
        // A reconnect: every hub's cached token of the old grant goes.
        await inTransaction(db, async (trx) => {
          await trx
            .updateTable("connections")
            .set((eb) => ({
              ...this.sealTokens(existing.id, tokens.accessToken, tokens.refreshToken),
              ...fields,
              version: eb("version", "+", 1),
            }))
            .where("id", "=", existing.id)
            .execute();
          await publishChange(trx, connectionChanged(existing.id));
        });
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
            ...this.sealTokens(id, tokens.accessToken, tokens.refreshToken),
            ...fields,
            version: 1,
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
   * Stores refreshed tokens on `row` (a refresh that returned no refresh token keeps `refreshToken`, the
   * one presented). Returns the row as written, or null when the row is no longer at `row.version`.
   */
  async writeRefreshed(
    db: Kysely<Database>,
    row: ConnectionRow,
    tokens: TokenSet,
    refreshToken: string,
  ): Promise<ConnectionRow | null> {
    const { columns, stored } = await writeUnderLock(
      db,
      "connections",
      row,
      {
        ...this.sealTokens(row.id, tokens.accessToken, tokens.refreshToken ?? refreshToken),
        token_type: tokens.tokenType,
        scopes: JSON.stringify(tokens.scopes.length > 0 ? tokens.scopes : storedScopes(row.scopes)),
        expires_at: storedExpiry(tokens.expiresAt),
        last_refreshed_at: this.now(),
        // A refresh does not change the account: only what the new answer knows is updated.
        ...knownAccountColumns(identityFromTokens(tokens)),
      },
      connectionChanged(row.id),
    );
    return stored ? { ...row, ...columns } : null;
  }

  /** The provider refused the grant (or nothing can renew it): the user must connect again. */
  async markReconnectRequired(db: Kysely<Database>, row: ConnectionRow): Promise<void> {
    await writeUnderLock(db, "connections", row, { status: "reconnect_required" }, connectionChanged(row.id));
  }

  async list(userId: string): Promise<ConnectionSummary[]> {
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
        "connections.account_subject",
        "connections.account_email",
        "connections.account_name",
      ])
      .where("connections.user_id", "=", userId)
      .orderBy("integrations.name")
      .execute();
    return rows.map((row) => ({
      integration: row.integration,
      status: row.status,
      scopes: storedScopes(row.scopes),
      expiresAt: Number(row.expires_at),
      connectedAt: Number(row.connected_at),
      lastRefreshedAt: row.last_refreshed_at === null ? null : Number(row.last_refreshed_at),
      account: identityFromRow(row),
    }));
  }

  /** The next `limit` connections of an integration, in id order (for deleting them in batches). */
  batchOf(integrationId: string, limit: number): Promise<ConnectionRow[]> {
    return this.store.db
      .selectFrom("connections")
      .selectAll()
      .where("integration_id", "=", integrationId)
      .orderBy("id")
      .limit(limit)
      .execute();
  }

  /** Deletes one connection (a disconnect); every hub's cached token of it goes. */
  async delete(row: ConnectionRow): Promise<void> {
    await inTransaction(this.store.db, async (trx) => {
      await trx.deleteFrom("connections").where("id", "=", row.id).execute();
      await publishChange(trx, connectionChanged(row.id));
    });
  }

  /**
   * Deletes a batch of an integration's connections (the integration is being deleted). One change for the
   * batch: every hub drops the integration's cached tokens, rather than hearing a hundred notifications.
   */
  async deleteBatch(integrationId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await inTransaction(this.store.db, async (trx) => {
      await trx.deleteFrom("connections").where("id", "in", ids).execute();
      await publishChange(trx, { kind: "integration_changed", key: integrationId });
    });
  }

  openAccessToken(row: ConnectionRow): string {
    return this.cipher.decrypt(row.access_token_enc, aad.connectionAccessToken(row.id));
  }

  openRefreshToken(row: ConnectionRow): string | null {
    return row.refresh_token_enc
      ? this.cipher.decrypt(row.refresh_token_enc, aad.connectionRefreshToken(row.id))
      : null;
  }

  toResult(row: ConnectionRow): AccessTokenResult {
    return accessTokenResult(this.openAccessToken(row), row);
  }

  private sealTokens(id: string, accessToken: string, refreshToken: string | null): SealedTokens {
    const access = seal(this.cipher, accessToken, aad.connectionAccessToken(id));
    return {
      access_token_enc: access.enc,
      refresh_token_enc: refreshToken
        ? seal(this.cipher, refreshToken, aad.connectionRefreshToken(id)).enc
        : null,
      key_id: access.keyId,
    };
  }
}
