import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { inTransaction, publishChange } from "../db/changeFeed.ts";
import type { Database, Role } from "../db/schema.ts";
import { GatehouseError } from "../errors.ts";
import { hashPassword, hashToken, verifyPassword } from "../vault/hashing.ts";
import { isUniqueViolation } from "../vault/storage.ts";

/** A hub user as routes see it (never the password hash). */
export interface HubUser {
  id: string;
  email: string;
  role: Role;
}

export interface PersonalAccessTokenInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A signed-in browser: the session row's id (the SHA-256 of the cookie value) and its user. */
export interface SessionInfo {
  sessionId: string;
  user: HubUser;
  expiresAt: number;
}

export const ROLES: readonly Role[] = ["admin", "developer", "user"];

/** Personal access tokens start with this, so secret scanners and people can tell what they are. */
export const PAT_PREFIX = "gth_";

const randomSecret = (): string => randomBytes(32).toString("base64url");

// A fixed hash to verify against when the email is unknown, so that a login attempt takes the same time
// whether or not the account exists. Computed once, lazily.
let dummyHash: Promise<string> | undefined;

/**
 * Hub users, their browser sessions and their personal access tokens, in the database so that several
 * hub processes share them. Cookie values and tokens are stored only as SHA-256 hashes.
 */
export class AccountStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws `user_exists` (409) when the email is taken (emails compare case-insensitively). */
  async createUser(input: { email: string; password: string; role: Role }): Promise<HubUser> {
    const user: HubUser = { id: randomUUID(), email: input.email.trim().toLowerCase(), role: input.role };
    const passwordHash = await hashPassword(input.password);
    try {
      await this.db
        .insertInto("users")
        .values({ ...user, password_hash: passwordHash, created_at: this.now() })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new GatehouseError("user_exists", `A user with email ${user.email} already exists`);
      }
      throw err;
    }
    return user;
  }

  async getUser(id: string): Promise<HubUser | null> {
    const row = await this.db
      .selectFrom("users")
      .select(["id", "email", "role"])
      .where("id", "=", id)
      .executeTakeFirst();
    return row ?? null;
  }

  async findByEmail(email: string): Promise<HubUser | null> {
    const row = await this.db
      .selectFrom("users")
      .select(["id", "email", "role"])
      .where("email", "=", email.trim().toLowerCase())
      .executeTakeFirst();
    return row ?? null;
  }

  /** Every user, oldest first, with when they were created (epoch ms). */
  async listUsers(): Promise<(HubUser & { createdAt: number })[]> {
    const rows = await this.db
      .selectFrom("users")
      .select(["id", "email", "role", "created_at"])
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role,
      createdAt: Number(row.created_at),
    }));
  }

  async hasAdmin(): Promise<boolean> {
    const row = await this.db.selectFrom("users").select("id").where("role", "=", "admin").executeTakeFirst();
    return row !== undefined;
  }

  /** The user when the password matches, else null; takes about as long for an unknown email. */
  async verifyLogin(email: string, password: string): Promise<HubUser | null> {
    const row = await this.db
      .selectFrom("users")
      .select(["id", "email", "role", "password_hash"])
      .where("email", "=", email.trim().toLowerCase())
      .executeTakeFirst();
    if (!row) {
      dummyHash ??= hashPassword(randomSecret());
      await verifyPassword(password, await dummyHash);
      return null;
    }
    if (!(await verifyPassword(password, row.password_hash))) return null;
    return { id: row.id, email: row.email, role: row.role };
  }

  /** A new session: returns the cookie value (random, shown to the browser only) and the stored id. */
  async createSession(
    userId: string,
    ttlMs: number,
  ): Promise<{ cookieValue: string; sessionId: string; expiresAt: number }> {
    const cookieValue = randomSecret();
    const sessionId = hashToken(cookieValue);
    const at = this.now();
    const expiresAt = at + ttlMs;
    await this.db
      .insertInto("sessions")
      .values({ id: sessionId, user_id: userId, created_at: at, expires_at: expiresAt })
      .execute();
    return { cookieValue, sessionId, expiresAt };
  }

  /** The session and its user for a cookie value, or null when unknown or expired. */
  async session(cookieValue: string): Promise<SessionInfo | null> {
    const sessionId = hashToken(cookieValue);
    const row = await this.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select(["sessions.expires_at", "users.id", "users.email", "users.role"])
      .where("sessions.id", "=", sessionId)
      .executeTakeFirst();
    if (!row) return null;
    if (Number(row.expires_at) <= this.now()) {
      await this.deleteSession(sessionId);
      return null;
    }
    return {
      sessionId,
      expiresAt: Number(row.expires_at),
      user: { id: row.id, email: row.email, role: row.role },
    };
  }

  /** Ends a session on every hub (the change feed drops their cached copies). */
  async deleteSession(sessionId: string): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom("sessions").where("id", "=", sessionId).execute();
      await publishChange(trx, { kind: "session_ended", key: sessionId });
    });
  }

  /** Removes expired sessions (and is cheap enough to call at login). */
  async pruneSessions(): Promise<void> {
    await this.db.deleteFrom("sessions").where("expires_at", "<=", this.now()).execute();
  }

  /** A new personal access token; the plaintext is returned once and only its hash is kept. */
  async createPersonalAccessToken(userId: string, name: string): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = `${PAT_PREFIX}${randomSecret()}`;
    await this.db
      .insertInto("personal_access_tokens")
      .values({
        id,
        user_id: userId,
        name,
        token_hash: hashToken(token),
        created_at: this.now(),
        last_used_at: null,
      })
      .execute();
    return { id, token };
  }

  async listPersonalAccessTokens(userId: string): Promise<PersonalAccessTokenInfo[]> {
    const rows = await this.db
      .selectFrom("personal_access_tokens")
      .select(["id", "name", "created_at", "last_used_at"])
      .where("user_id", "=", userId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      createdAt: Number(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    }));
  }

  /** The token's user, or null when the token is unknown. Records the use (at most once a minute). */
  async userForPersonalAccessToken(token: string): Promise<HubUser | null> {
    if (!token.startsWith(PAT_PREFIX)) return null;
    const row = await this.db
      .selectFrom("personal_access_tokens")
      .innerJoin("users", "users.id", "personal_access_tokens.user_id")
      .select([
        "users.id",
        "users.email",
        "users.role",
        "personal_access_tokens.id as tokenId",
        "personal_access_tokens.last_used_at",
      ])
      .where("personal_access_tokens.token_hash", "=", hashToken(token))
      .executeTakeFirst();
    if (!row) return null;
    const at = this.now();
    if (row.last_used_at === null || Number(row.last_used_at) < at - 60_000) {
      await this.db
        .updateTable("personal_access_tokens")
        .set({ last_used_at: at })
        .where("id", "=", row.tokenId)
        .execute();
    }
    return { id: row.id, email: row.email, role: row.role };
  }

  /**
   * Deletes one of the user's own tokens, on every hub (the change feed drops their cached copies); false
   * when there is no such token of theirs.
   */
  async deletePersonalAccessToken(userId: string, id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const deleted = await trx
        .deleteFrom("personal_access_tokens")
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .returning("token_hash")
        .executeTakeFirst();
      if (!deleted) return false;
      await publishChange(trx, { kind: "pat_revoked", key: deleted.token_hash });
      return true;
    });
  }
}
