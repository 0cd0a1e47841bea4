/**
 * The audit trail's vocabulary: every action it records, and who and what an event is about. One list, so
 * the API's filter, the Audit page and the tests name the same actions.
 */

export { AUDIT_ACTIONS } from "../../api/identity.ts";
export type { AuditAction, AuditActor, AuditTarget } from "../../api/identity.ts";
import { AUDIT_ACTIONS, type AuditAction, type AuditActor, type AuditTarget } from "../../api/identity.ts";

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
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
