import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import type { IntegrationSettings } from "../api/integrations.ts";
import { inTransaction, publishChange } from "../db/changeFeed.ts";
import { GatehouseError, errors } from "../errors.ts";
import type { IntegrationsTable } from "../db/schema.ts";
import { aad } from "./aad.ts";
import { isUniqueViolation, seal, storedScopes, type SecretCipher, type VaultStore } from "./storage.ts";

/** The decrypted view of an integration; clientSecret never leaves the hub process. */
export interface Integration extends IntegrationSettings {
  clientSecret: string | null;
  createdAt: number;
  updatedAt: number;
}

export type IntegrationInput = Omit<Integration, "id" | "createdAt" | "updatedAt">;
/** `clientSecret`: undefined keeps the stored one, a string replaces it, null clears it. */
export type IntegrationPatch = Partial<IntegrationInput>;

const editableFields = new Set<string>([
  "name",
  "provider",
  "description",
  "apps",
  "grantType",
  "authorizationUrl",
  "tokenUrl",
  "revocationUrl",
  "introspectionUrl",
  "issuer",
  "clientId",
  "clientSecret",
  "scopes",
  "tokenEndpointAuthMethod",
  "pkce",
]);

const exists = (name: string): GatehouseError =>
  new GatehouseError("integration_exists", `An integration named "${name}" already exists`, { name });

/**
 * Integrations in the database, with the client secret encrypted under the row's identity. Validation of
 * the fields' shapes is the HTTP layer's job (zod); this store guards what the database must hold true:
 * unique names and a secret that never sits in plaintext.
 */
export class IntegrationStore {
  constructor(
    private readonly store: VaultStore,
    private readonly keyRing: SecretCipher,
    private readonly now: () => number = Date.now,
  ) {}

  async create(input: IntegrationInput): Promise<Integration> {
    const id = randomUUID();
    const at = this.now();
    const secret = this.sealSecret(id, input.clientSecret);
    try {
      await this.store.db
        .insertInto("integrations")
        .values({
          id,
          ...this.columns(input),
          client_secret_enc: secret.enc,
          key_id: secret.keyId,
          created_at: at,
          updated_at: at,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw exists(input.name);
      throw err;
    }
    const { clientSecret, ...settings } = input;
    return withSecret({ ...settings, id, createdAt: at, updatedAt: at }, { value: clientSecret });
  }

  get(name: string): Promise<Integration | null> {
    return this.findBy("name", name);
  }

  getById(id: string): Promise<Integration | null> {
    return this.findBy("id", id);
  }

  private async findBy(column: "name" | "id", value: string): Promise<Integration | null> {
    const row = await this.store.db
      .selectFrom("integrations")
      .selectAll()
      .where(column, "=", value)
      .executeTakeFirst();
    return row ? this.toIntegration(row) : null;
  }

  async list(): Promise<Integration[]> {
    const rows = await this.store.db.selectFrom("integrations").selectAll().orderBy("name").execute();
    return rows.map((row) => this.toIntegration(row));
  }

  /** Partial update; throws integration_not_found (404), or integration_exists (409) on a rename clash. */
  async update(name: string, patch: IntegrationPatch): Promise<Integration> {
    const current = await this.get(name);
    if (!current) throw errors.integrationNotFound(name);
    // The spread leaves the secret out (it is not enumerable); it is given back below, unopened if unchanged.
    const settings: Omit<Integration, "clientSecret"> = { ...current, updatedAt: this.now() };
    for (const [key, value] of Object.entries(patch)) {
      // Only the editable fields: a stray `id` or `createdAt` in a patch must not move the row.
      if (value !== undefined && key !== "clientSecret" && editableFields.has(key))
        (settings as unknown as Record<string, unknown>)[key] = value;
    }
    const secretChanged = patch.clientSecret !== undefined;
    const next = withSecret(
      settings,
      secretChanged
        ? { value: patch.clientSecret }
        : Object.getOwnPropertyDescriptor(current, "clientSecret")!,
    );
    const secret = secretChanged ? this.sealSecret(current.id, next.clientSecret) : undefined;
    try {
      await inTransaction(this.store.db, async (trx) => {
        const result = await trx
          .updateTable("integrations")
          .set({
            ...this.columns(next),
            ...(secret ? { client_secret_enc: secret.enc, key_id: secret.keyId } : {}),
            updated_at: next.updatedAt,
          })
          .where("id", "=", current.id)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw errors.integrationNotFound(name);
        await publishChange(trx, { kind: "integration_changed", key: current.id });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw exists(next.name);
      throw err;
    }
    return next;
  }

  /** Deletes the row; connections and the service token go with it (revoke them first: TokenService). */
  async delete(name: string): Promise<void> {
    const row = await this.store.db
      .selectFrom("integrations")
      .select("id")
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) throw errors.integrationNotFound(name);
    // Explicit deletes rather than trusting ON DELETE CASCADE: SQLite enforces it only with foreign_keys on.
    await inTransaction(this.store.db, async (trx) => {
      await trx.deleteFrom("connections").where("integration_id", "=", row.id).execute();
      await trx.deleteFrom("service_tokens").where("integration_id", "=", row.id).execute();
      await trx.deleteFrom("integrations").where("id", "=", row.id).execute();
      await publishChange(trx, { kind: "integration_changed", key: row.id });
    });
  }

  async countConnections(integrationId: string): Promise<number> {
    const row = await this.store.db
      .selectFrom("connections")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("integration_id", "=", integrationId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Stored user connections per integration id, in one query (for the admin list). */
  async countConnectionsByIntegration(): Promise<Map<string, number>> {
    const rows = await this.store.db
      .selectFrom("connections")
      .select(["integration_id", (eb) => eb.fn.countAll().as("n")])
      .groupBy("integration_id")
      .execute();
    return new Map(rows.map((r) => [r.integration_id, Number(r.n)]));
  }

  private sealSecret(id: string, secret: string | null): { enc: string | null; keyId: string | null } {
    // A spread of an integration leaves its secret out: say so rather than fail inside the cipher.
    if (secret === undefined) throw new TypeError("clientSecret must be given: a string, or null for none");
    if (secret === null || secret === "") return { enc: null, keyId: null };
    return seal(this.keyRing, secret, aad.integrationClientSecret(id));
  }

  private columns(input: IntegrationInput) {
    return {
      name: input.name,
      provider: input.provider,
      description: input.description,
      apps: JSON.stringify(input.apps),
      grant_type: input.grantType,
      authorization_url: input.authorizationUrl,
      token_url: input.tokenUrl,
      revocation_url: input.revocationUrl,
      introspection_url: input.introspectionUrl,
      issuer: input.issuer,
      client_id: input.clientId,
      scopes: JSON.stringify(input.scopes),
      token_endpoint_auth_method: input.tokenEndpointAuthMethod,
      pkce: input.pkce ? 1 : 0,
    };
  }

  /**
   * The row as an Integration whose `clientSecret` is opened when it is read — only when a call to the
   * provider needs it — and never kept in plaintext (what the integration cache holds is the sealed value).
   */
  private toIntegration(row: Selectable<IntegrationsTable>): Integration {
    const { keyRing } = this;
    const sealed = row.client_secret_enc;
    const secretAad = aad.integrationClientSecret(row.id);
    const settings = {
      id: row.id,
      name: row.name,
      provider: row.provider,
      description: row.description,
      apps: JSON.parse(row.apps) as string[],
      grantType: row.grant_type,
      authorizationUrl: row.authorization_url,
      tokenUrl: row.token_url,
      revocationUrl: row.revocation_url,
      introspectionUrl: row.introspection_url,
      issuer: row.issuer,
      clientId: row.client_id,
      scopes: storedScopes(row.scopes),
      tokenEndpointAuthMethod: row.token_endpoint_auth_method,
      pkce: Boolean(row.pkce),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
    return withSecret(settings, { get: () => (sealed ? keyRing.decrypt(sealed, secretAad) : null) });
  }
}

/**
 * `settings` with its client secret as a property a spread, `Object.keys` or `JSON.stringify` leaves out:
 * copying or logging an integration never opens the secret nor carries it along. Only reading
 * `clientSecret` by name does (a provider call).
 */
function withSecret(
  settings: Omit<Integration, "clientSecret">,
  secret: { value: string | null | undefined } | PropertyDescriptor,
): Integration {
  return Object.defineProperty(settings, "clientSecret", {
    ...secret,
    ...("value" in secret ? { value: secret.value ?? null, writable: false } : {}),
    enumerable: false,
    configurable: false,
  }) as Integration;
}
