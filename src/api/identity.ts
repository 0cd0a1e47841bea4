/**
 * Identity and access as the API shows them: the audit trail's vocabulary and events, and personal access
 * tokens' scopes. The action and scope lists are plain data both the hub and the UI name.
 */

export const AUDIT_ACTIONS = [
  // Sign-in (`details.method`: password | oidc).
  "auth.signed_in",
  "auth.sign_in_failed",
  "auth.signed_out",
  // Hub users (by an admin, the CLI, or the identity provider at a sign-in).
  "user.created",
  "user.role_changed",
  "user.disabled",
  "user.enabled",
  "user.deleted",
  "user.password_reset",
  "user.identity_linked",
  // Personal access tokens.
  "pat.created",
  "pat.revoked",
  "pat.revoked_used",
  // Integrations (`details.fields`: which fields changed, never a secret's value).
  "integration.created",
  "integration.updated",
  "integration.origin_changed",
  "integration.deleted",
  // A user's provider accounts.
  "connection.connected",
  "connection.disconnected",
  // The vault's encryption keys (the CLI).
  "keys.rotated",
  // Tokens handed to app code: one row per minute, app, integration and user, with a count.
  "token.issued",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who did it: a hub user, the command line, the hub itself, or someone not signed in. */
export interface AuditActor {
  type: "user" | "cli" | "system" | "anonymous";
  /** The user's id (type user), else null. */
  id: string | null;
  /** The user's email at the time, the CLI's OS user, or what an anonymous caller claimed (an email typed). */
  name: string | null;
}

/** What it was done to. */
export interface AuditTarget {
  type: "user" | "integration" | "personal_access_token" | "connection" | "keys" | "app";
  id: string | null;
  name: string | null;
}

/** One event as `GET /api/admin/audit` and `gatehouse audit export` show it. */
export interface AuditEventView {
  id: string;
  /** ISO 8601; for a counted event, the start of its bucket (a minute). */
  at: string;
  action: AuditAction;
  actor: AuditActor;
  target: AuditTarget | null;
  details: Record<string, unknown>;
  /** How many times it happened in its bucket (1 for events recorded one by one). */
  count: number;
}

/** What a personal access token may do. */
export const PAT_SCOPES = ["tokens:read", "apps:run", "admin"] as const;
export type PatScope = (typeof PAT_SCOPES)[number];

/** A personal access token as the hub lists it (never the token itself). */
export interface TokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  expired: boolean;
  scopes: PatScope[];
  /** Null: every app. */
  apps: string[] | null;
}

/** The hub's roles, from most to least power. */
export const ROLES = ["admin", "developer", "user"] as const;
export type Role = (typeof ROLES)[number];

/** A hub user as the admin API shows them (never a password hash). Times are ISO 8601. */
export interface UserView {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  disabled: boolean;
  disabledAt: string | null;
  /** The identity provider (issuer) that sets the role at each sign-in; null: set here. */
  roleManagedBy: string | null;
  /** Signs in with a password here (a local user). */
  hasPassword: boolean;
  identities: { issuer: string; email: string | null }[];
}
