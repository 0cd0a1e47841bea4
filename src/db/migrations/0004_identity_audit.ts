import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * Identity and access (issue 12): users signed in through an OpenID provider, disabled users, roles the
 * identity provider manages, personal access tokens with an expiry, scopes and apps, tombstones of revoked
 * tokens, and the append-only audit trail (see ../schema.ts for each column).
 *
 * Existing personal access tokens keep their owner's access (every scope the owner's role allows) and
 * expire 90 days after this migration runs.
 */

// Migrations must not depend on the current Database type: it changes as later migrations land.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const DAY_MS = 86_400_000;
/** How long a token that predates expiry keeps working. */
export const LEGACY_TOKEN_DAYS = 90;

const isPostgres = (db: AnyDb): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * `users.password_hash` becomes nullable (people signed in through an identity provider have none).
 * PostgreSQL drops the constraint; SQLite cannot, so the table is rebuilt as SQLite documents it: a new
 * table, the rows copied, the old one dropped, the new one renamed. Foreign keys are off while SQLite
 * migrations run (src/db/index.ts), so the drop cascades nothing and the foreign keys of sessions, tokens
 * and connections, which name `users`, name the new table; they are checked before the migration commits.
 */
async function passwordHashNullable(db: AnyDb, time: "bigint" | "integer"): Promise<void> {
  if (isPostgres(db)) {
    await sql`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`.execute(db);
    return;
  }
  await db.schema
    .createTable("users_0004")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text")
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .execute();
  await sql`INSERT INTO users_0004 (id, email, password_hash, role, created_at)
            SELECT id, email, password_hash, role, created_at FROM users`.execute(db);
  await sql`DROP TABLE users`.execute(db);
  await sql`ALTER TABLE users_0004 RENAME TO users`.execute(db);
}

export async function up(db: AnyDb): Promise<void> {
  const time = isPostgres(db) ? "bigint" : "integer";
  const now = Date.now();

  await passwordHashNullable(db, time);
  await db.schema.alterTable("users").addColumn("disabled_at", time).execute();
  await db.schema.alterTable("users").addColumn("role_managed_by", "text").execute();

  await db.schema
    .createTable("user_identities")
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("email", "text")
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("last_sign_in_at", time)
    .addPrimaryKeyConstraint("user_identities_pk", ["issuer", "subject"])
    .execute();
  await db.schema
    .createIndex("user_identities_user_id_idx")
    .on("user_identities")
    .column("user_id")
    .execute();

  // How a session was started, and (OpenID Connect) the ID token for RP-initiated logout, sealed.
  await db.schema
    .alterTable("sessions")
    .addColumn("signed_in_with", "text", (c) => c.notNull().defaultTo("password"))
    .execute();
  await db.schema.alterTable("sessions").addColumn("id_token_enc", "text").execute();
  await db.schema.alterTable("sessions").addColumn("key_id", "text").execute();
  await db.schema.createIndex("sessions_key_id_idx").on("sessions").column("key_id").execute();

  await db.schema
    .alterTable("personal_access_tokens")
    .addColumn("expires_at", time, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("personal_access_tokens")
    .addColumn("scopes", "text", (c) => c.notNull().defaultTo('["tokens:read","apps:run"]'))
    .execute();
  await db.schema.alterTable("personal_access_tokens").addColumn("apps", "text").execute();
  await db
    .updateTable("personal_access_tokens")
    .set({ expires_at: now + LEGACY_TOKEN_DAYS * DAY_MS })
    .execute();
  // The owner's full access, as before: admins' tokens keep the admin API.
  await db
    .updateTable("personal_access_tokens")
    .set({ scopes: '["tokens:read","apps:run","admin"]' })
    .where("user_id", "in", db.selectFrom("users").select("id").where("role", "=", "admin"))
    .execute();
  await db.schema
    .createIndex("personal_access_tokens_expires_at_idx")
    .on("personal_access_tokens")
    .column("expires_at")
    .execute();

  // No foreign key: a tombstone outlives its user, so a later use of the token is still recorded.
  await db.schema
    .createTable("revoked_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("token_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("revoked_at", time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("revoked_tokens_revoked_at_idx")
    .on("revoked_tokens")
    .column("revoked_at")
    .execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("id", isPostgres(db) ? "bigserial" : "integer", (c) =>
      isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("at", time, (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("actor_name", "text")
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("target_name", "text")
    /** JSON object; never secret values. */
    .addColumn("details", "text", (c) => c.notNull().defaultTo("{}"))
    /** Counted events (token issuance): one row per bucket, its `count` added to within the bucket. */
    .addColumn("bucket", "text", (c) => c.unique())
    .addColumn("count", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex("audit_events_at_idx").on("audit_events").column("at").execute();
  await db.schema
    .createIndex("audit_events_action_idx")
    .on("audit_events")
    .columns(["action", "id"])
    .execute();
  await db.schema
    .createIndex("audit_events_actor_idx")
    .on("audit_events")
    .columns(["actor_id", "id"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ["audit_events", "revoked_tokens", "user_identities"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.dropIndex("personal_access_tokens_expires_at_idx").ifExists().execute();
  for (const column of ["apps", "scopes", "expires_at"]) {
    await db.schema.alterTable("personal_access_tokens").dropColumn(column).execute();
  }
  await db.schema.dropIndex("sessions_key_id_idx").ifExists().execute();
  for (const column of ["key_id", "id_token_enc", "signed_in_with"]) {
    await db.schema.alterTable("sessions").dropColumn(column).execute();
  }
  for (const column of ["role_managed_by", "disabled_at"]) {
    await db.schema.alterTable("users").dropColumn(column).execute();
  }
}
