import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { inTransaction, publishChange } from "../../db/changeFeed.ts";
import type { Database, Role } from "../../db/schema.ts";
import { GatehouseError } from "../../errors.ts";
import { hashToken } from "../../vault/hashing.ts";
import type { AuditActor } from "./auditActions.ts";
import type { AuditLog } from "./auditLog.ts";
import { DEFAULT_PAT_SCOPES, PAT_SCOPES, SCOPE_ROLES, type PatGrant, type PatScope } from "./patScopes.ts";

/** Personal access tokens start with this, so secret scanners and people can tell what they are. */
export const PAT_PREFIX = "gth_";
export const PAT_DEFAULT_DAYS = 90;
export const PAT_MAX_DAYS = 365;
const DAY_MS = 86_400_000;
/** Last use is written at most this often per token (it is read on every request). */
const LAST_USE_RESOLUTION_MS = 60_000;

export interface PersonalAccessTokenInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number;
  scopes: PatScope[];
  /** Null: every app. */
  apps: string[] | null;
}

/** A hub user as the token lookups see them. */
export interface TokenOwner {
  id: string;
  email: string;
  role: Role;
}

/** A token that authenticates: its user and what it may do. */
export interface PatCredential {
  user: TokenOwner;
  token: PatGrant;
}

/** Why a token that did not authenticate was refused. */
export type PatRefusal =
  | { reason: "expired"; tokenId: string; expiresAt: number }
  | { reason: "revoked"; tokenId: string; userId: string; name: string; revokedAt: number }
  | { reason: "unknown" };

/** Why a token was revoked (kept in its tombstone). */
export type RevocationReason = "revoked" | "user_disabled" | "user_deleted";

export interface CreateTokenInput {
  name: string;
  /** 1 to 365 (default 90). */
  expiresInDays?: number;
  /** Default `tokens:read apps:run`. */
  scopes?: readonly PatScope[];
  /** Null or absent: every app. */
  apps?: readonly string[] | null;
}

const parseList = (text: string | null): string[] | null => {
  if (text === null) return null;
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : [];
};
const scopesOf = (text: string): PatScope[] =>
  (parseList(text) ?? []).filter((s): s is PatScope => (PAT_SCOPES as readonly string[]).includes(s));

const randomSecret = (): string => randomBytes(32).toString("base64url");

/**
 * Personal access tokens: created with an expiry, scopes and optional app limits, stored as SHA-256 only,
 * revoked into a tombstone (hash and time, kept for the audit retention) so a later use is still recognised
 * and recorded. Every revocation publishes `pat_revoked` in its transaction, for other hubs' caches.
 */
export class PersonalTokenStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly audit: AuditLog | null,
  ) {}

  /** A new token for `owner`; the plaintext is returned once. 403 `forbidden` for a scope the role lacks. */
  async create(
    owner: TokenOwner,
    input: CreateTokenInput,
    actor: AuditActor,
  ): Promise<PersonalAccessTokenInfo & { token: string }> {
    const scopes = [...new Set(input.scopes ?? DEFAULT_PAT_SCOPES)];
    const refused = scopes.filter((scope) => !SCOPE_ROLES[scope].includes(owner.role));
    if (refused.length > 0) {
      throw new GatehouseError(
        "forbidden",
        `Only admins may create tokens with the ${refused.join(", ")} scope`,
      );
    }
    const days = input.expiresInDays ?? PAT_DEFAULT_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > PAT_MAX_DAYS) {
      throw new GatehouseError("validation_failed", `expiresInDays must be 1 to ${PAT_MAX_DAYS}`);
    }
    const apps = input.apps ? [...new Set(input.apps)] : null;
    const at = this.now();
    const info: PersonalAccessTokenInfo = {
      id: randomUUID(),
      name: input.name,
      createdAt: at,
      lastUsedAt: null,
      expiresAt: at + days * DAY_MS,
      scopes,
      apps,
    };
    const token = `${PAT_PREFIX}${randomSecret()}`;
    await inTransaction(this.db, async (trx) => {
      await trx
        .insertInto("personal_access_tokens")
        .values({
          id: info.id,
          user_id: owner.id,
          name: info.name,
          token_hash: hashToken(token),
          created_at: at,
          last_used_at: null,
          expires_at: info.expiresAt,
          scopes: JSON.stringify(scopes),
          apps: apps ? JSON.stringify(apps) : null,
        })
        .execute();
      await this.audit?.record(
        {
          action: "pat.created",
          actor,
          target: { type: "personal_access_token", id: info.id, name: info.name },
          details: { owner: owner.email, scopes, apps, expiresAt: new Date(info.expiresAt).toISOString() },
        },
        trx,
      );
    });
    return { ...info, token };
  }

  async list(userId: string): Promise<PersonalAccessTokenInfo[]> {
    const rows = await this.db
      .selectFrom("personal_access_tokens")
      .select(["id", "name", "created_at", "last_used_at", "expires_at", "scopes", "apps"])
      .where("user_id", "=", userId)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      createdAt: Number(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      expiresAt: Number(row.expires_at),
      scopes: scopesOf(row.scopes),
      apps: parseList(row.apps),
    }));
  }

  /** The token's user and grant while it is valid (unexpired, user enabled), else null. Records its use. */
  async authenticate(token: string): Promise<PatCredential | null> {
    if (!token.startsWith(PAT_PREFIX)) return null;
    const at = this.now();
    const row = await this.db
      .selectFrom("personal_access_tokens")
      .innerJoin("users", "users.id", "personal_access_tokens.user_id")
      .select([
        "users.id",
        "users.email",
        "users.role",
        "personal_access_tokens.id as tokenId",
        "personal_access_tokens.last_used_at",
        "personal_access_tokens.expires_at",
        "personal_access_tokens.scopes",
        "personal_access_tokens.apps",
      ])
      .where("personal_access_tokens.token_hash", "=", hashToken(token))
      .where("users.disabled_at", "is", null)
      .where("personal_access_tokens.expires_at", ">", at)
      .executeTakeFirst();
    if (!row) return null;
    if (row.last_used_at === null || Number(row.last_used_at) < at - LAST_USE_RESOLUTION_MS) {
      await this.db
        .updateTable("personal_access_tokens")
        .set({ last_used_at: at })
        .where("id", "=", row.tokenId)
        .execute();
    }
    return {
      user: { id: row.id, email: row.email, role: row.role },
      token: {
        id: row.tokenId,
        scopes: scopesOf(row.scopes),
        apps: parseList(row.apps),
        expiresAt: Number(row.expires_at),
      },
    };
  }

  /** Why `token` does not authenticate (only asked after `authenticate` said null). */
  async refusal(token: string): Promise<PatRefusal> {
    if (!token.startsWith(PAT_PREFIX)) return { reason: "unknown" };
    const hash = hashToken(token);
    const live = await this.db
      .selectFrom("personal_access_tokens")
      .select(["id", "expires_at"])
      .where("token_hash", "=", hash)
      .executeTakeFirst();
    if (live && Number(live.expires_at) <= this.now()) {
      return { reason: "expired", tokenId: live.id, expiresAt: Number(live.expires_at) };
    }
    if (live) return { reason: "unknown" }; // its user is disabled (and the token about to be revoked)
    const tomb = await this.db
      .selectFrom("revoked_tokens")
      .selectAll()
      .where("token_hash", "=", hash)
      .executeTakeFirst();
    if (!tomb) return { reason: "unknown" };
    return {
      reason: "revoked",
      tokenId: tomb.token_id,
      userId: tomb.user_id,
      name: tomb.name,
      revokedAt: Number(tomb.revoked_at),
    };
  }

  /** Revokes one of `userId`'s tokens; null when they have no such token. */
  async revoke(userId: string, tokenId: string, actor: AuditActor): Promise<PersonalAccessTokenInfo | null> {
    const info = (await this.list(userId)).find((token) => token.id === tokenId) ?? null;
    if (!info) return null;
    return inTransaction(this.db, async (trx) => {
      const revoked = await this.revokeWhere(trx, { userId, tokenId }, "revoked");
      if (revoked === 0) return null;
      await this.audit?.record(
        {
          action: "pat.revoked",
          actor,
          target: { type: "personal_access_token", id: tokenId, name: info.name },
          details: { owner: userId },
        },
        trx,
      );
      return info;
    });
  }

  /**
   * Revokes every token of `userId` (or one) in `trx`: a tombstone each, the rows deleted, `pat_revoked`
   * published per token. Returns how many. The caller's transaction is the change's.
   */
  async revokeWhere(
    trx: Kysely<Database>,
    which: { userId: string; tokenId?: string },
    reason: RevocationReason,
  ): Promise<number> {
    let query = trx
      .deleteFrom("personal_access_tokens")
      .where("user_id", "=", which.userId)
      .returning(["id", "token_hash", "name"]);
    if (which.tokenId) query = query.where("id", "=", which.tokenId);
    const deleted = await query.execute();
    if (deleted.length === 0) return 0;
    const at = this.now();
    await trx
      .insertInto("revoked_tokens")
      .values(
        deleted.map((row) => ({
          token_hash: row.token_hash,
          token_id: row.id,
          user_id: which.userId,
          name: row.name,
          reason,
          revoked_at: at,
        })),
      )
      .onConflict((oc) => oc.column("token_hash").doNothing())
      .execute();
    await publishChange(
      trx,
      deleted.map((row) => ({ kind: "pat_revoked" as const, key: row.token_hash })),
    );
    return deleted.length;
  }
}
