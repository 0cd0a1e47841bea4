/**
 * oidc-provider's storage adapter over the state database: one row per model instance (grants, sessions,
 * interactions, authorization codes, refresh tokens, consent…), keyed by (server, model, id), with the
 * secondary keys oidc-provider looks things up by — `uid` for sessions, `userCode`, and `grantId` for the
 * models a grant revocation removes. Expired rows read as absent and are pruned. Clients are not stored:
 * they come from `SandboxClients`, so `sandbox-web`'s redirect URIs can change at runtime.
 *
 * The contract (and these choices) follow oidc-provider's own in-memory adapter,
 * `lib/adapters/memory_adapter.js`.
 */
import type { Adapter, AdapterFactory, AdapterPayload, ClientMetadata } from "oidc-provider";
import { z } from "zod";
import type { Clock, StateDatabase } from "./database.ts";

/** The models whose rows go when their grant is revoked (`revokeByGrantId`). */
const GRANTABLE_MODELS = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "PreAuthorizedCode",
]);

/** Where the adapter finds client metadata (the sandbox clients). */
export interface ClientDirectory {
  metadata(clientId: string): ClientMetadata | undefined;
}

const storedPayload = z.record(z.string(), z.unknown());

function parsePayload(text: string): AdapterPayload | undefined {
  try {
    const parsed = storedPayload.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const optionalText = (value: unknown): string | null =>
  typeof value === "string" && value !== "" ? value : null;

/**
 * The adapter factory for the authorization server `server` (a database may hold several servers); rows
 * expire by `now` (default the database's clock; an emulator whose clock knob runs ahead passes its own).
 */
export function sqliteAdapterFactory(
  database: StateDatabase,
  server: string,
  clients: ClientDirectory,
  now: Clock = database.now,
): AdapterFactory {
  const { sqlite } = database;
  const upsert = sqlite.prepare(
    `INSERT INTO oidc_models (server, model, id, payload, grant_id, uid, user_code, expires_at)
     VALUES (@server, @model, @id, @payload, @grantId, @uid, @userCode, @expiresAt)
     ON CONFLICT (server, model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
       uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
  );
  const live = "(expires_at IS NULL OR expires_at > @now)";
  const byId = sqlite.prepare(
    `SELECT payload FROM oidc_models WHERE server = @server AND model = @model AND id = @id AND ${live}`,
  );
  const byUid = sqlite.prepare(
    `SELECT payload FROM oidc_models WHERE server = @server AND model = @model AND uid = @key AND ${live}`,
  );
  const byUserCode = sqlite.prepare(
    `SELECT payload FROM oidc_models WHERE server = @server AND model = @model AND user_code = @key AND ${live}`,
  );
  const consume = sqlite.prepare(
    `UPDATE oidc_models SET payload = json_set(payload, '$.consumed', @at)
     WHERE server = @server AND model = @model AND id = @id`,
  );
  const destroy = sqlite.prepare(
    "DELETE FROM oidc_models WHERE server = @server AND model = @model AND id = @id",
  );
  const revokeGrant = sqlite.prepare(
    "DELETE FROM oidc_models WHERE server = @server AND grant_id = @grantId",
  );

  const first = (row: unknown): AdapterPayload | undefined => {
    const text = (row as { payload?: unknown } | undefined)?.payload;
    return typeof text === "string" ? parsePayload(text) : undefined;
  };

  return (model: string): Adapter => {
    if (model === "Client") {
      return {
        upsert: async () => undefined,
        find: async (id) => clients.metadata(id),
        findByUid: async () => undefined,
        findByUserCode: async () => undefined,
        consume: async () => undefined,
        destroy: async () => undefined,
        revokeByGrantId: async () => undefined,
      };
    }
    const key = { server, model };
    return {
      async upsert(id, payload, expiresIn) {
        upsert.run({
          ...key,
          id,
          payload: JSON.stringify(payload),
          grantId: GRANTABLE_MODELS.has(model) ? optionalText(payload.grantId) : null,
          // oidc-provider looks sessions up by uid; other models carry a uid it never searches by.
          uid: model === "Session" ? optionalText(payload.uid) : null,
          userCode: optionalText(payload.userCode),
          expiresAt: typeof expiresIn === "number" && expiresIn > 0 ? now() + expiresIn * 1000 : null,
        });
        database.noteWrite();
      },
      async find(id) {
        return first(byId.get({ ...key, id, now: now() }));
      },
      async findByUid(uid) {
        return first(byUid.get({ ...key, key: uid, now: now() }));
      },
      async findByUserCode(userCode) {
        return first(byUserCode.get({ ...key, key: userCode, now: now() }));
      },
      async consume(id) {
        consume.run({ ...key, id, at: Math.floor(now() / 1000) });
      },
      async destroy(id) {
        destroy.run({ ...key, id });
      },
      async revokeByGrantId(grantId) {
        // Every grantable row of the grant, whatever its model (as the reference adapter does).
        revokeGrant.run({ server, grantId });
      },
    };
  };
}
