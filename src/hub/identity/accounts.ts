import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { inTransaction, publishChange } from "../../db/changeFeed.ts";
import type { Database, Role } from "../../db/schema.ts";
import { GatehouseError } from "../../errors.ts";
import { aad } from "../../vault/aad.ts";
import { hashPassword, hashToken, verifyPassword } from "../../vault/hashing.ts";
import { seal, isUniqueViolation, type SecretCipher } from "../../vault/storage.ts";
import type { AuditActor } from "./auditActions.ts";
import type { AuditLog } from "./auditLog.ts";
import {
  PAT_PREFIX,
  PersonalTokenStore,
  type CreateTokenInput,
  type PatCredential,
  type PersonalAccessTokenInfo,
} from "./personalTokens.ts";

export { PAT_PREFIX, type PatCredential, type PersonalAccessTokenInfo } from "./personalTokens.ts";

/** A hub user as routes see it (never the password hash). */
export interface HubUser {
  id: string;
  email: string;
  role: Role;
}

/** How a browser session began. */
export type SignInMethod = "password" | "oidc";

/** A signed-in browser: the session row's id (the SHA-256 of the cookie value) and its user. */
export interface SessionInfo {
  sessionId: string;
  user: HubUser;
  expiresAt: number;
  signedInWith: SignInMethod;
}

/** A user as the admin API lists them. */
export interface UserRecord extends HubUser {
  createdAt: number;
  disabledAt: number | null;
  /** The issuer that sets the role at each sign-in, or null (set in Gatehouse). */
  roleManagedBy: string | null;
  hasPassword: boolean;
}

export { ROLES } from "../../api/identity.ts";

const randomSecret = (): string => randomBytes(32).toString("base64url");

// A fixed hash to verify against when the email is unknown, so that a login attempt takes the same time
// whether or not the account exists. Computed once, lazily.
let dummyHash: Promise<string> | undefined;

export interface AccountStoreOptions {
  /** Seals the ID token an OpenID Connect session keeps for RP-initiated logout. */
  cipher?: SecretCipher;
  /** Where token creation and revocation are recorded. */
  audit?: AuditLog;
}

/**
 * Hub users, their browser sessions and their personal access tokens (`tokens`), in the database so that
 * several hub processes share them. Cookie values and tokens are stored only as SHA-256 hashes. Disabled
 * users have no session or token that works; the lifecycle itself (disable, delete, roles) is
 * `UserLifecycle`'s.
 */
export class AccountStore {
  readonly tokens: PersonalTokenStore;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
    private readonly options: AccountStoreOptions = {},
  ) {
    this.tokens = new PersonalTokenStore(db, now, options.audit ?? null);
  }

  /**
   * Throws `user_exists` (409) when the email is taken (emails compare case-insensitively). `password`
   * null: the user signs in through the identity provider only. Recorded when `actor` is given.
   */
  async createUser(
    input: { email: string; password: string | null; role: Role; roleManagedBy?: string | null },
    actor?: AuditActor,
    db: Kysely<Database> = this.db,
  ): Promise<HubUser> {
    const user: HubUser = { id: randomUUID(), email: input.email.trim().toLowerCase(), role: input.role };
    const passwordHash = input.password === null ? null : await hashPassword(input.password);
    try {
      await inTransaction(db, async (trx) => {
        await trx
          .insertInto("users")
          .values({
            ...user,
            password_hash: passwordHash,
            created_at: this.now(),
            disabled_at: null,
            role_managed_by: input.roleManagedBy ?? null,
          })
          .execute();
        if (actor) {
          await this.options.audit?.record(
            {
              action: "user.created",
              actor,
              target: { type: "user", id: user.id, name: user.email },
              details: { role: user.role, password: passwordHash !== null },
            },
            trx,
          );
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new GatehouseError("user_exists", `A user with email ${user.email} already exists`);
      }
      throw err;
    }
    return user;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? userRecord(row) : null;
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const row = await this.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", email.trim().toLowerCase())
      .executeTakeFirst();
    return row ? userRecord(row) : null;
  }

  /** Every user, oldest first. */
  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom("users").selectAll().orderBy("created_at").execute();
    return rows.map(userRecord);
  }

  /** True when some admin can still sign in (an enabled one). */
  async hasAdmin(): Promise<boolean> {
    const row = await this.db
      .selectFrom("users")
      .select("id")
      .where("role", "=", "admin")
      .where("disabled_at", "is", null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * The user when the password matches and the account is enabled, else null; takes about as long for an
   * unknown email, and for an account without a password. `disabled` says the password matched a
   * disabled account (so the caller can say so; a wrong password never learns it).
   */
  async verifyLogin(email: string, password: string): Promise<HubUser | null>;
  async verifyLogin(email: string, password: string, report: { disabled?: boolean }): Promise<HubUser | null>;
  async verifyLogin(
    email: string,
    password: string,
    report: { disabled?: boolean } = {},
  ): Promise<HubUser | null> {
    const row = await this.db
      .selectFrom("users")
      .select(["id", "email", "role", "password_hash", "disabled_at"])
      .where("email", "=", email.trim().toLowerCase())
      .executeTakeFirst();
    // No account, or one that signs in through the identity provider only: the same work, the same answer.
    if (!row?.password_hash) {
      dummyHash ??= hashPassword(randomSecret());
      await verifyPassword(password, await dummyHash);
      return null;
    }
    if (!(await verifyPassword(password, row.password_hash))) return null;
    if (row.disabled_at !== null) {
      report.disabled = true;
      return null;
    }
    return { id: row.id, email: row.email, role: row.role };
  }

  /**
   * A new session: returns the cookie value (random, shown to the browser only) and the stored id. An
   * OpenID Connect session keeps its ID token, sealed, for the provider's logout.
   */
  async createSession(
    userId: string,
    ttlMs: number,
    how: { signedInWith: SignInMethod; idToken?: string | null } = { signedInWith: "password" },
  ): Promise<{ cookieValue: string; sessionId: string; expiresAt: number }> {
    const cookieValue = randomSecret();
    const sessionId = hashToken(cookieValue);
    const at = this.now();
    const expiresAt = at + ttlMs;
    const sealed =
      how.idToken && this.options.cipher
        ? seal(this.options.cipher, how.idToken, aad.sessionIdToken(sessionId))
        : null;
    await this.db
      .insertInto("sessions")
      .values({
        id: sessionId,
        user_id: userId,
        created_at: at,
        expires_at: expiresAt,
        signed_in_with: how.signedInWith,
        id_token_enc: sealed?.enc ?? null,
        key_id: sealed?.keyId ?? null,
      })
      .execute();
    return { cookieValue, sessionId, expiresAt };
  }

  /** The session and its (enabled) user for a cookie value, or null when unknown or expired. */
  async session(cookieValue: string): Promise<SessionInfo | null> {
    const sessionId = hashToken(cookieValue);
    const row = await this.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select(["sessions.expires_at", "sessions.signed_in_with", "users.id", "users.email", "users.role"])
      .where("sessions.id", "=", sessionId)
      .where("users.disabled_at", "is", null)
      .executeTakeFirst();
    if (!row) return null;
    if (Number(row.expires_at) <= this.now()) {
      await this.deleteSession(sessionId);
      return null;
    }
    return {
      sessionId,
      expiresAt: Number(row.expires_at),
      signedInWith: row.signed_in_with === "oidc" ? "oidc" : "password",
      user: { id: row.id, email: row.email, role: row.role },
    };
  }

  /** The ID token an OpenID Connect session keeps (for the provider's logout), or null. */
  async idTokenOf(sessionId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom("sessions")
      .select("id_token_enc")
      .where("id", "=", sessionId)
      .executeTakeFirst();
    if (!row?.id_token_enc || !this.options.cipher) return null;
    return this.options.cipher.decrypt(row.id_token_enc, aad.sessionIdToken(sessionId));
  }

  /** Ends one session (and tells other hubs' caches, in the same transaction). */
  async deleteSession(sessionId: string): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const deleted = await trx.deleteFrom("sessions").where("id", "=", sessionId).executeTakeFirst();
      if (deleted.numDeletedRows > 0n) await publishChange(trx, { kind: "session_ended", key: sessionId });
    });
  }

  /** Removes expired sessions (and is cheap enough to call at login). Expired ones need no publish. */
  async pruneSessions(): Promise<void> {
    await this.db.deleteFrom("sessions").where("expires_at", "<=", this.now()).execute();
  }

  /** A new personal access token with the defaults (90 days, `tokens:read apps:run`, every app). */
  async createPersonalAccessToken(
    userId: string,
    name: string,
    input: Omit<CreateTokenInput, "name"> = {},
  ): Promise<{ id: string; token: string }> {
    const owner = await this.getUser(userId);
    if (!owner) throw new GatehouseError("user_not_found", "No such user");
    const created = await this.tokens.create(
      owner,
      { ...input, name },
      { type: "user", id: owner.id, name: owner.email },
    );
    return { id: created.id, token: created.token };
  }

  listPersonalAccessTokens(userId: string): Promise<PersonalAccessTokenInfo[]> {
    return this.tokens.list(userId);
  }

  /** The token's user and grant while it is valid (see PersonalTokenStore.authenticate). */
  userForPersonalAccessToken(token: string): Promise<PatCredential | null> {
    if (!token.startsWith(PAT_PREFIX)) return Promise.resolve(null);
    return this.tokens.authenticate(token);
  }

  /** Revokes one of the user's own tokens; false when there is no such token of theirs. */
  async deletePersonalAccessToken(userId: string, id: string, actor?: AuditActor): Promise<boolean> {
    const owner = await this.getUser(userId);
    const who = actor ?? (owner ? { type: "user" as const, id: owner.id, name: owner.email } : null);
    if (!who) return false;
    return (await this.tokens.revoke(userId, id, who)) !== null;
  }
}

/** A users row as a UserRecord. */
export function userRecord(row: {
  id: string;
  email: string;
  role: Role;
  created_at: number;
  disabled_at: number | null;
  role_managed_by: string | null;
  password_hash: string | null;
}): UserRecord {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: Number(row.created_at),
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
    roleManagedBy: row.role_managed_by,
    hasPassword: row.password_hash !== null,
  };
}
