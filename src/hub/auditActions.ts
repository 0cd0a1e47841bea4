/**
 * The audit trail's vocabulary: every action it records, and who and what an event is about. One list, so
 * the API's filter, the Audit page and the tests name the same actions.
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

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

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

/** One event to record. `details` are plain JSON facts for people to read, never a secret value. */
export interface AuditEntry {
  action: AuditAction;
  actor: AuditActor;
  target?: AuditTarget | null;
  details?: Record<string, unknown>;
}

export const SYSTEM_ACTOR: AuditActor = { type: "system", id: null, name: null };

export const userActor = (user: { id: string; email: string }): AuditActor => ({
  type: "user",
  id: user.id,
  name: user.email,
});

export const userTarget = (user: { id: string; email: string }): AuditTarget => ({
  type: "user",
  id: user.id,
  name: user.email,
});

/** The signed-in caller of a request, or an anonymous one. */
export function requestActor(request: { user: { id: string; email: string } | null }): AuditActor {
  return request.user ? userActor(request.user) : { type: "anonymous", id: null, name: null };
}

/** Where a request came from and how it was authenticated, for an event's details (never the credential). */
export function requestContext(request: {
  ip: string;
  authMethod: "session" | "token" | null;
  pat?: { id: string } | null;
}): Record<string, unknown> {
  return request.authMethod === "token" && request.pat
    ? { ip: request.ip, via: "personal_access_token", tokenId: request.pat.id }
    : { ip: request.ip };
}
