import type { Generated } from "kysely";

/**
 * The database schema as Kysely sees it. Times are epoch milliseconds (BIGINT on PostgreSQL, parsed to
 * number), lists are JSON text, booleans are 0/1 integers: one representation on both dialects.
 * Columns ending in `_enc` hold vault ciphertext (see src/vault/cipher.ts); `key_id` names the key that
 * encrypted the row, so rotation can find rows still under an old key without decrypting anything.
 */

export type { Role } from "../api/identity.ts";
import type { Role } from "../api/identity.ts";
export type GrantType = "authorization_code" | "client_credentials";
export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "none";
export type ConnectionStatus = "connected" | "reconnect_required";

export interface UsersTable {
  id: string;
  email: string;
  /** Null for people who sign in through an identity provider only (0004). */
  password_hash: string | null;
  role: Role;
  created_at: number;
  /** Set while the user is disabled (0004): no sign-in, no session, no token. */
  disabled_at: number | null;
  /** The issuer whose claims set the role at each sign-in (GATEHOUSE_OIDC_ROLES), or null: set here. */
  role_managed_by: string | null;
}

/** Who a user is at an OpenID provider (0004): (issuer, sub), never the email alone. */
export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  /** The email the provider last sent (display only). */
  email: string | null;
  created_at: number;
  last_sign_in_at: number | null;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the cookie value; the cookie value itself is never stored. */
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  /** `password` or `oidc` (0004). */
  signed_in_with: Generated<string>;
  /** OpenID Connect sign-ins: the ID token, sealed (aad `sessions:<id>:id_token`), for RP-initiated logout. */
  id_token_enc: string | null;
  key_id: string | null;
}

export interface PersonalAccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the token. */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  /** After this the token is refused (0004; default 0: a row written without one is expired). */
  expires_at: Generated<number>;
  /** JSON array of scopes: `tokens:read`, `apps:run`, `admin`. */
  scopes: Generated<string>;
  /** JSON array of app names the token is limited to, or null: every app. */
  apps: string | null;
}

/** What is left of a revoked personal access token, for the audit retention period (0004). */
export interface RevokedTokensTable {
  /** SHA-256 (hex) of the token. */
  token_hash: string;
  token_id: string;
  user_id: string;
  name: string;
  /** `revoked` (its owner or an admin), `user_disabled`, `user_deleted`. */
  reason: string;
  revoked_at: number;
}

/** The audit trail (0004): appended to, never edited through any API; only retention prunes it. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  action: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  target_type: string | null;
  target_id: string | null;
  target_name: string | null;
  /** JSON object; never a secret value. */
  details: string;
  /** Counted events: one row per bucket (e.g. minute, app, integration, user), `count` added to. */
  bucket: string | null;
  count: Generated<number>;
}

export interface IntegrationsTable {
  id: string;
  name: string;
  provider: string;
  description: string;
  /** JSON array of app names, or ["*"]. */
  apps: string;
  grant_type: GrantType;
  authorization_url: string | null;
  token_url: string;
  revocation_url: string | null;
  introspection_url: string | null;
  issuer: string | null;
  client_id: string;
  client_secret_enc: string | null;
  /** JSON array. */
  scopes: string;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  pkce: number;
  key_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface ConnectionsTable {
  id: string;
  integration_id: string;
  user_id: string;
  status: ConnectionStatus;
  access_token_enc: string;
  refresh_token_enc: string | null;
  token_type: string;
  /** JSON array of granted scopes. */
  scopes: string;
  expires_at: number;
  connected_at: number;
  last_refreshed_at: number | null;
  /** Bumped on every token write; lets a refresher tell "someone else refreshed" from "nothing changed". */
  version: number;
  /** Refresh lease (SQLite path and crash safety): who holds it and until when. */
  refresh_lease_owner: string | null;
  refresh_lease_until: number | null;
  key_id: string;
  /** The provider account (0002): its subject, email and name where the provider tells them; display only. */
  account_subject: string | null;
  account_email: string | null;
  account_name: string | null;
}

/** Client-credentials integrations: one token for the integration, no user. */
export interface ServiceTokensTable {
  integration_id: string;
  access_token_enc: string;
  token_type: string;
  scopes: string;
  expires_at: number;
  obtained_at: number;
  version: number;
  refresh_lease_owner: string | null;
  refresh_lease_until: number | null;
  key_id: string;
}

/** Pending authorization requests: single use, bound to the browser session, short-lived. */
export interface OAuthStatesTable {
  /** SHA-256 (hex) of the `state` value. */
  state_hash: string;
  session_id: string;
  user_id: string;
  integration_id: string;
  app: string | null;
  return_to: string;
  code_verifier_enc: string;
  nonce: string | null;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
  key_id: string;
}

/** Short-lived capabilities handed to app processes for one view invocation. */
export interface AppCapabilitiesTable {
  /** SHA-256 (hex) of the capability. */
  id: string;
  app: string;
  user_id: string;
  invocation_id: string;
  created_at: number;
  expires_at: number;
}

/**
 * The change feed on SQLite (0003; src/db/changeFeed.ts): one row per change that in-process caches must
 * hear, in the transaction of the change. Pruned after an hour. Unused on PostgreSQL (NOTIFY instead).
 */
export interface ChangeFeedTable {
  seq: Generated<number>;
  kind: string;
  key: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  user_identities: UserIdentitiesTable;
  revoked_tokens: RevokedTokensTable;
  audit_events: AuditEventsTable;
  sessions: SessionsTable;
  personal_access_tokens: PersonalAccessTokensTable;
  integrations: IntegrationsTable;
  connections: ConnectionsTable;
  service_tokens: ServiceTokensTable;
  oauth_states: OAuthStatesTable;
  app_capabilities: AppCapabilitiesTable;
  change_feed: ChangeFeedTable;
}
