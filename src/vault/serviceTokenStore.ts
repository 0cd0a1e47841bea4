import type { Kysely, Selectable } from "kysely";
import { inTransaction, publishChange, type Change } from "../db/changeFeed.ts";
import type { Database, ServiceTokensTable } from "../db/schema.ts";
import type { TokenSet } from "../oauth/index.ts";
import { aad } from "./aad.ts";
import { timesOf, type TokenTimes } from "./renewal.ts";
import {
  accessTokenResult,
  seal,
  storedExpiry,
  type AccessTokenResult,
  type SecretCipher,
  type VaultStore,
  writeUnderLock,
} from "./storage.ts";

export type ServiceTokenRow = Selectable<ServiceTokensTable>;

const serviceTokenChanged = (integrationId: string): Change => ({
  kind: "service_token_changed",
  key: integrationId,
});

/** When the row's token was obtained and when it expires. */
export function serviceTokenTimes(row: ServiceTokenRow): TokenTimes {
  return timesOf(row.expires_at, row.obtained_at);
}

/**
 * Client-credentials tokens: one row per integration, the access token sealed under the integration's id.
 * The refresh lock needs a row to lock, so a first request inserts a placeholder ("" token, version 0)
 * that no reader serves.
 */
export class ServiceTokenStore {
  constructor(
    private readonly store: VaultStore,
    private readonly cipher: SecretCipher,
    private readonly now: () => number,
  ) {}

  read(integrationId: string): Promise<ServiceTokenRow | undefined> {
    return this.store.db
      .selectFrom("service_tokens")
      .selectAll()
      .where("integration_id", "=", integrationId)
      .executeTakeFirst();
  }

  /** The integration's row, inserting the placeholder first when there is none. */
  async readOrPlaceholder(integrationId: string): Promise<ServiceTokenRow | undefined> {
    await this.store.db
      .insertInto("service_tokens")
      .values({
        integration_id: integrationId,
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
    return this.read(integrationId);
  }

  /**
   * Stores a new token on `row`, compare-and-set on its version. Returns the row as obtained, and whether
   * it was stored (false: someone else stored one after our lease ran out).
   */
  async write(
    db: Kysely<Database>,
    row: ServiceTokenRow,
    tokens: TokenSet,
  ): Promise<{ row: ServiceTokenRow; stored: boolean }> {
    const sealed = seal(this.cipher, tokens.accessToken, aad.serviceAccessToken(row.integration_id));
    const { columns, stored } = await writeUnderLock(
      db,
      "service_tokens",
      row,
      {
        access_token_enc: sealed.enc,
        key_id: sealed.keyId,
        token_type: tokens.tokenType,
        scopes: JSON.stringify(tokens.scopes),
        expires_at: storedExpiry(tokens.expiresAt),
        obtained_at: this.now(),
      },
      serviceTokenChanged(row.integration_id),
    );
    return { row: { ...row, ...columns }, stored };
  }

  async delete(integrationId: string): Promise<void> {
    await inTransaction(this.store.db, async (trx) => {
      await trx.deleteFrom("service_tokens").where("integration_id", "=", integrationId).execute();
      await publishChange(trx, serviceTokenChanged(integrationId));
    });
  }

  /** The placeholder row holds no token yet. */
  static isPlaceholder(row: ServiceTokenRow): boolean {
    return row.access_token_enc === "";
  }

  open(row: ServiceTokenRow): string {
    return this.cipher.decrypt(row.access_token_enc, aad.serviceAccessToken(row.integration_id));
  }

  toResult(row: ServiceTokenRow): AccessTokenResult {
    return accessTokenResult(this.open(row), row);
  }
}
