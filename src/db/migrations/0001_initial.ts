import { PostgresAdapter, type Kysely } from "kysely";

/**
 * The first schema (see ../schema.ts for what each column means). Times are epoch milliseconds: BIGINT
 * on PostgreSQL (parsed back to number by the pool, see ../index.ts), INTEGER on SQLite.
 */

// Migrations must not depend on the current Database type: it changes as later migrations land.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

function timeType(db: AnyDb): "bigint" | "integer" {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "bigint" : "integer";
}

export async function up(db: AnyDb): Promise<void> {
  const time = timeType(db);

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user_id_idx").on("sessions").column("user_id").execute();
  await db.schema.createIndex("sessions_expires_at_idx").on("sessions").column("expires_at").execute();

  await db.schema
    .createTable("personal_access_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("last_used_at", time)
    .execute();
  await db.schema
    .createIndex("personal_access_tokens_user_id_idx")
    .on("personal_access_tokens")
    .column("user_id")
    .execute();

  await db.schema
    .createTable("integrations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("apps", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("grant_type", "text", (c) => c.notNull())
    .addColumn("authorization_url", "text")
    .addColumn("token_url", "text", (c) => c.notNull())
    .addColumn("revocation_url", "text")
    .addColumn("introspection_url", "text")
    .addColumn("issuer", "text")
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("client_secret_enc", "text")
    .addColumn("scopes", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("token_endpoint_auth_method", "text", (c) => c.notNull())
    .addColumn("pkce", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("key_id", "text")
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("updated_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("integrations_key_id_idx").on("integrations").column("key_id").execute();

  await db.schema
    .createTable("connections")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("integration_id", "text", (c) => c.notNull().references("integrations.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("access_token_enc", "text", (c) => c.notNull())
    .addColumn("refresh_token_enc", "text")
    .addColumn("token_type", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("expires_at", time, (c) => c.notNull())
    .addColumn("connected_at", time, (c) => c.notNull())
    .addColumn("last_refreshed_at", time)
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("refresh_lease_owner", "text")
    .addColumn("refresh_lease_until", time)
    .addColumn("key_id", "text", (c) => c.notNull())
    .addUniqueConstraint("connections_integration_user_unique", ["integration_id", "user_id"])
    .execute();
  // integration_id is covered by the unique constraint's index (leading column).
  await db.schema.createIndex("connections_user_id_idx").on("connections").column("user_id").execute();
  await db.schema.createIndex("connections_expires_at_idx").on("connections").column("expires_at").execute();
  await db.schema.createIndex("connections_key_id_idx").on("connections").column("key_id").execute();

  await db.schema
    .createTable("service_tokens")
    .addColumn("integration_id", "text", (c) =>
      c.primaryKey().references("integrations.id").onDelete("cascade"),
    )
    .addColumn("access_token_enc", "text", (c) => c.notNull())
    .addColumn("token_type", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("expires_at", time, (c) => c.notNull())
    .addColumn("obtained_at", time, (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("refresh_lease_owner", "text")
    .addColumn("refresh_lease_until", time)
    .addColumn("key_id", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("service_tokens_key_id_idx").on("service_tokens").column("key_id").execute();

  await db.schema
    .createTable("oauth_states")
    .addColumn("state_hash", "text", (c) => c.primaryKey())
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("integration_id", "text", (c) => c.notNull().references("integrations.id").onDelete("cascade"))
    .addColumn("app", "text")
    .addColumn("return_to", "text", (c) => c.notNull())
    .addColumn("code_verifier_enc", "text", (c) => c.notNull())
    .addColumn("nonce", "text")
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("oauth_states_session_id_idx")
    .on("oauth_states")
    .column("session_id")
    .execute();
  await db.schema
    .createIndex("oauth_states_expires_at_idx")
    .on("oauth_states")
    .column("expires_at")
    .execute();
  await db.schema.createIndex("oauth_states_key_id_idx").on("oauth_states").column("key_id").execute();

  await db.schema
    .createTable("app_capabilities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("app", "text", (c) => c.notNull())
    // No foreign key: capabilities live for seconds and are checked against the user on use.
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("invocation_id", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("app_capabilities_expires_at_idx")
    .on("app_capabilities")
    .column("expires_at")
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "app_capabilities",
    "oauth_states",
    "service_tokens",
    "connections",
    "integrations",
    "personal_access_tokens",
    "sessions",
    "users",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
