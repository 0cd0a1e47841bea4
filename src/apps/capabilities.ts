import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { hashToken } from "../vault/hashing.ts";

/** Who a capability speaks for: one app, one hub user, one invocation. */
export interface CapabilityGrant {
  app: string;
  userId: string;
  invocationId: string;
  expiresAt: number;
}

const PREFIX = "ghcap_";
/** 32 random bytes, base64url: 43 characters. */
const SHAPE = /^ghcap_[A-Za-z0-9_-]{43}$/;

/**
 * Capabilities for view invocations: 32 random bytes handed to the app process with one invocation, stored
 * only as a SHA-256 hash in app_capabilities, live until the invocation ends or `expires_at`. A stolen or
 * replayed one is useless once its invocation has finished.
 */
export class CapabilityStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Mints a capability for (app, user, invocation), valid for `ttlMs` at most. Returns the plain value. */
  async mint(grant: { app: string; userId: string; invocationId: string; ttlMs: number }): Promise<string> {
    const value = PREFIX + randomBytes(32).toString("base64url");
    const now = this.now();
    await this.db
      .insertInto("app_capabilities")
      .values({
        id: hashToken(value),
        app: grant.app,
        user_id: grant.userId,
        invocation_id: grant.invocationId,
        created_at: now,
        expires_at: now + grant.ttlMs,
      })
      .execute();
    return value;
  }

  /** The grant behind `value` while it is live; null for an unknown, malformed, expired or revoked one. */
  async verify(value: string): Promise<CapabilityGrant | null> {
    if (!SHAPE.test(value)) return null;
    const row = await this.db
      .selectFrom("app_capabilities")
      .select(["app", "user_id", "invocation_id", "expires_at"])
      .where("id", "=", hashToken(value))
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= this.now()) return null;
    return {
      app: row.app,
      userId: row.user_id,
      invocationId: row.invocation_id,
      expiresAt: Number(row.expires_at),
    };
  }

  /** Ends the capabilities of an invocation (called when it finishes, however it finishes). */
  async revokeInvocation(invocationId: string): Promise<void> {
    await this.db.deleteFrom("app_capabilities").where("invocation_id", "=", invocationId).execute();
  }

  /** Deletes expired rows (left behind by a hub that stopped mid-invocation). */
  async pruneExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom("app_capabilities")
      .where("expires_at", "<=", this.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
