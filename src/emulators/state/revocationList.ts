/**
 * The deny list of revoked JWT access tokens. Access tokens are signed JWTs the APIs verify on their own,
 * so revoking one means remembering its `jti` until the token would have expired anyway; kept in the
 * state database, a revoked token stays refused across a restart.
 */
import type { StateDatabase } from "./database.ts";

export interface RevocationList {
  /** Remembers `jti` until `expiresAtSeconds` (the token's `exp`). */
  add(jti: string, expiresAtSeconds: number): void;
  has(jti: string | undefined): boolean;
}

export function revocationList(database: StateDatabase, server: string): RevocationList {
  const insert = database.sqlite.prepare(
    `INSERT INTO revoked_access_tokens (server, jti, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (server, jti) DO UPDATE SET expires_at = excluded.expires_at`,
  );
  const lookup = database.sqlite.prepare("SELECT 1 FROM revoked_access_tokens WHERE server = ? AND jti = ?");
  return {
    add(jti, expiresAtSeconds) {
      insert.run(server, jti, expiresAtSeconds * 1000);
      database.noteWrite();
    },
    has(jti) {
      return jti !== undefined && lookup.get(server, jti) !== undefined;
    },
  };
}
