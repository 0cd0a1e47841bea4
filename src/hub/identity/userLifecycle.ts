import type { Kysely } from "kysely";
import { inTransaction, publishChange } from "../../db/changeFeed.ts";
import type { Database, Role } from "../../db/schema.ts";
import { GatehouseError } from "../../errors.ts";
import { hashPassword } from "../../vault/hashing.ts";
import { userTarget, type AuditActor } from "./auditActions.ts";
import type { AuditLog } from "./auditLog.ts";
import { userRecord, type AccountStore, type UserRecord } from "./accounts.ts";

export interface UserChange {
  role?: Role;
  disabled?: boolean;
}

/** What deleting a user must do first: revoke their provider connections (best effort, bounded). */
export type RevokeConnections = (userId: string) => Promise<void>;

export interface UserLifecycleOptions {
  db: Kysely<Database>;
  dialect: "sqlite" | "postgres";
  accounts: AccountStore;
  audit: AuditLog;
  now: () => number;
}

export const userNotFound = (): GatehouseError =>
  new GatehouseError("user_not_found", "No user with that id");

const lastAdmin = (what: string): GatehouseError =>
  new GatehouseError(
    "last_admin",
    `${what} would leave the hub without an admin who can sign in; make another user an admin first`,
  );

/**
 * The user lifecycle, apart from HTTP: role changes, disabling, enabling, deleting, password resets. Each
 * runs in one transaction with what it ends (sessions, personal access tokens, their tombstones), the
 * `user_changed` it publishes for other hubs' caches, and its audit event. No change may leave the hub
 * without an enabled admin: the admins are locked (PostgreSQL) and counted inside that transaction, so two
 * admins demoting each other at once cannot both succeed.
 */
export class UserLifecycle {
  constructor(private readonly options: UserLifecycleOptions) {}

  /** Changes role and/or disabled; returns the user as stored after. */
  async update(userId: string, change: UserChange, actor: AuditActor): Promise<UserRecord> {
    const { accounts, audit, now } = this.options;
    await inTransaction(this.options.db, async (trx) => {
      const user = await this.lockedUser(trx, userId);
      const role = change.role ?? user.role;
      const disabled = change.disabled ?? user.disabledAt !== null;
      if (change.role !== undefined && change.role !== user.role && user.roleManagedBy) {
        throw new GatehouseError(
          "role_managed_by_idp",
          `${user.email}'s role comes from the identity provider (${user.roleManagedBy}) at each sign-in; change their groups there, or disable the user here`,
        );
      }
      const losesAdmin = user.role === "admin" && user.disabledAt === null && (role !== "admin" || disabled);
      if (losesAdmin)
        await this.requireAnotherAdmin(trx, userId, disabled ? "Disabling this user" : "This role change");

      if (role !== user.role) {
        await trx.updateTable("users").set({ role }).where("id", "=", userId).execute();
        await audit.record(
          {
            action: "user.role_changed",
            actor,
            target: userTarget(user),
            details: { from: user.role, to: role },
          },
          trx,
        );
      }
      if (disabled && user.disabledAt === null) {
        await trx.updateTable("users").set({ disabled_at: now() }).where("id", "=", userId).execute();
        const ended = await this.endAccess(trx, userId, "user_disabled");
        await audit.record({ action: "user.disabled", actor, target: userTarget(user), details: ended }, trx);
      } else if (!disabled && user.disabledAt !== null) {
        // Sessions and tokens ended by the disable stay ended.
        await trx.updateTable("users").set({ disabled_at: null }).where("id", "=", userId).execute();
        await audit.record({ action: "user.enabled", actor, target: userTarget(user) }, trx);
      }
      if (role !== user.role || disabled !== (user.disabledAt !== null)) {
        await publishChange(trx, { kind: "user_changed", key: userId });
      }
    });
    // Read after the commit (inside the transaction only `trx` may be used: SQLite has one connection).
    const updated = await accounts.getUser(userId);
    if (!updated) throw userNotFound();
    return updated;
  }

  /** Deletes the user: their provider connections are revoked first (`revoke`), then every row of theirs. */
  async delete(userId: string, actor: AuditActor, revoke: RevokeConnections): Promise<void> {
    const before = await this.options.accounts.getUser(userId);
    if (!before) throw userNotFound();
    // Checked before the provider calls too, so a refused delete revokes nothing.
    if (before.role === "admin" && before.disabledAt === null) {
      await inTransaction(this.options.db, (trx) =>
        this.requireAnotherAdmin(trx, userId, "Deleting this user"),
      );
    }
    await revoke(userId);
    await inTransaction(this.options.db, async (trx) => {
      const user = await this.lockedUser(trx, userId);
      if (user.role === "admin" && user.disabledAt === null) {
        await this.requireAnotherAdmin(trx, userId, "Deleting this user");
      }
      const ended = await this.endAccess(trx, userId, "user_deleted");
      await trx.deleteFrom("users").where("id", "=", userId).execute();
      await publishChange(trx, { kind: "user_changed", key: userId });
      await this.options.audit.record(
        { action: "user.deleted", actor, target: userTarget(user), details: { role: user.role, ...ended } },
        trx,
      );
    });
  }

  /**
   * Sets a local user's password and ends their sessions (whoever knew the old one is signed out). 409
   * `not_a_local_user` for someone who signs in through the identity provider only.
   */
  async resetPassword(userId: string, password: string, actor: AuditActor): Promise<void> {
    const hash = await hashPassword(password);
    await inTransaction(this.options.db, async (trx) => {
      const user = await this.lockedUser(trx, userId);
      const identities = await trx
        .selectFrom("user_identities")
        .select("issuer")
        .where("user_id", "=", userId)
        .execute();
      if (!user.hasPassword && identities.length > 0) {
        throw new GatehouseError(
          "not_a_local_user",
          `${user.email} signs in through the identity provider and has no password here`,
        );
      }
      await trx.updateTable("users").set({ password_hash: hash }).where("id", "=", userId).execute();
      const sessions = await trx.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
      await publishChange(trx, { kind: "user_changed", key: userId });
      await this.options.audit.record(
        {
          action: "user.password_reset",
          actor,
          target: userTarget(user),
          details: { sessionsEnded: Number(sessions.numDeletedRows) },
        },
        trx,
      );
    });
  }

  /**
   * The role an identity provider's claims give `user` at a sign-in, in `trx`: refused (`last_admin`) when
   * it would demote the last enabled admin. Records the change; returns whether the role changed.
   */
  async applyProviderRole(
    trx: Kysely<Database>,
    user: UserRecord,
    role: Role,
    issuer: string,
  ): Promise<boolean> {
    const locked = await this.lockedUser(trx, user.id);
    if (locked.role === "admin" && role !== "admin" && locked.disabledAt === null) {
      await this.requireAnotherAdmin(
        trx,
        user.id,
        "Signing in with the role your identity provider now gives",
      );
    }
    await trx.updateTable("users").set({ role, role_managed_by: issuer }).where("id", "=", user.id).execute();
    if (locked.role === role) return false;
    await publishChange(trx, { kind: "user_changed", key: user.id });
    await this.options.audit.record(
      {
        action: "user.role_changed",
        actor: { type: "system", id: null, name: issuer },
        target: userTarget(locked),
        details: { from: locked.role, to: role, by: "identity_provider" },
      },
      trx,
    );
    return true;
  }

  /** Ends every session and token of the user, with their tombstones; what was ended, for the audit. */
  private async endAccess(
    trx: Kysely<Database>,
    userId: string,
    reason: "user_disabled" | "user_deleted",
  ): Promise<{ sessionsEnded: number; tokensRevoked: number }> {
    const sessions = await trx.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
    const tokensRevoked = await this.options.accounts.tokens.revokeWhere(trx, { userId }, reason);
    return { sessionsEnded: Number(sessions.numDeletedRows), tokensRevoked };
  }

  /** The user, locked for the transaction on PostgreSQL (SQLite writers are serialised anyway). */
  private async lockedUser(trx: Kysely<Database>, userId: string): Promise<UserRecord> {
    let query = trx.selectFrom("users").select("id").where("id", "=", userId);
    if (this.options.dialect === "postgres") query = query.forUpdate();
    if (!(await query.executeTakeFirst())) throw userNotFound();
    const row = await trx.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirstOrThrow();
    return userRecord(row);
  }

  /** Throws `last_admin` unless an enabled admin other than `userId` remains. */
  private async requireAnotherAdmin(trx: Kysely<Database>, userId: string, what: string): Promise<void> {
    let query = trx
      .selectFrom("users")
      .select("id")
      .where("role", "=", "admin")
      .where("disabled_at", "is", null)
      .where("id", "!=", userId);
    // Lock the other admins, so a concurrent demotion of one of them waits for this transaction.
    if (this.options.dialect === "postgres") query = query.forUpdate();
    if ((await query.execute()).length === 0) throw lastAdmin(what);
  }
}
