/**
 * Which requested scopes a client may not have. IdentityServer (what Bentley IMS runs) answers
 * `invalid_scope` for any scope outside the client's allowed scopes, known to the server or not, where
 * oidc-provider silently drops the ones it does not know; a profile with `rejectUnknownScopes` gets
 * IdentityServer's answer.
 */

/** The scopes in the space-separated `requested` that are not in the client's `allowed` list. */
export function scopesNotAllowed(
  requested: string | null | undefined,
  allowed: string | undefined,
): string[] {
  if (!requested) return [];
  const permitted = new Set((allowed ?? "").split(" ").filter(Boolean));
  return [...new Set(requested.split(" ").filter(Boolean))].filter((scope) => !permitted.has(scope));
}

/** The `error_description` for those scopes. */
export function invalidScopeDescription(scopes: readonly string[], clientId: string): string {
  const list = scopes.map((s) => `'${s}'`).join(", ");
  return `${scopes.length === 1 ? "Scope" : "Scopes"} ${list} ${scopes.length === 1 ? "is" : "are"} not allowed for client ${clientId}.`;
}
