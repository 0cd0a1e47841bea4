import type { Kysely, Selectable } from "kysely";
import type { Database, OAuthStatesTable } from "../db/schema.ts";
import { aad } from "./aad.ts";
import { hashToken } from "./hashing.ts";
import { seal, type SecretCipher } from "./storage.ts";

/** How long a started authorization may take before its callback is refused. */
export const STATE_TTL_MS = 10 * 60 * 1000;

/** A pending authorization, as the callback needs it back. */
export interface PendingAuthorization {
  sessionId: string;
  userId: string;
  integrationId: string;
  app: string | null;
  returnTo: string;
  codeVerifier: string | null;
  nonce: string | null;
  redirectUri: string;
  expiresAt: number;
}

// The column is NOT NULL; a flow without PKCE stores this marker (encrypted like a real verifier).
const NO_VERIFIER = "-";

/**
 * Pending authorization requests. The `state` sent to the provider is stored only as its SHA-256, the PKCE
 * verifier encrypted; `consume` deletes the row and returns it in one statement, so a replayed or a
 * parallel duplicate callback finds nothing the second time.
 */
export class OAuthStateStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keyRing: SecretCipher,
    private readonly now: () => number = Date.now,
  ) {}

  async save(state: string, pending: Omit<PendingAuthorization, "expiresAt">): Promise<void> {
    const stateHash = hashToken(state);
    const at = this.now();
    const verifier = seal(
      this.keyRing,
      pending.codeVerifier ?? NO_VERIFIER,
      aad.oauthStateCodeVerifier(stateHash),
    );
    await this.db
      .insertInto("oauth_states")
      .values({
        state_hash: stateHash,
        session_id: pending.sessionId,
        user_id: pending.userId,
        integration_id: pending.integrationId,
        app: pending.app,
        return_to: pending.returnTo,
        code_verifier_enc: verifier.enc,
        nonce: pending.nonce,
        redirect_uri: pending.redirectUri,
        created_at: at,
        expires_at: at + STATE_TTL_MS,
        key_id: verifier.keyId,
      })
      .execute();
    // Old, never-finished flows go while we are here: they are worthless after their expiry.
    await this.db.deleteFrom("oauth_states").where("expires_at", "<", at).execute();
  }

  /**
   * Removes the pending authorization for `state` started by browser session `sessionId` and returns it,
   * or null when there is none (never started, already used, used by a parallel request at the same
   * moment, or started by another browser — whose pending flow stays untouched). Expiry is the caller's check.
   */
  async consume(state: string, sessionId: string): Promise<PendingAuthorization | null> {
    const stateHash = hashToken(state);
    // DELETE … RETURNING: both SQLite (3.35+) and PostgreSQL delete and return in one atomic statement.
    const row = await this.db
      .deleteFrom("oauth_states")
      .where("state_hash", "=", stateHash)
      .where("session_id", "=", sessionId)
      .returningAll()
      .executeTakeFirst();
    return row ? this.toPending(row) : null;
  }

  private toPending(row: Selectable<OAuthStatesTable>): PendingAuthorization {
    const verifier = this.keyRing.decrypt(row.code_verifier_enc, aad.oauthStateCodeVerifier(row.state_hash));
    return {
      sessionId: row.session_id,
      userId: row.user_id,
      integrationId: row.integration_id,
      app: row.app,
      returnTo: row.return_to,
      codeVerifier: verifier === NO_VERIFIER ? null : verifier,
      nonce: row.nonce,
      redirectUri: row.redirect_uri,
      expiresAt: Number(row.expires_at),
    };
  }
}
