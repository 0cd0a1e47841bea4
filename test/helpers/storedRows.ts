import type { Insertable } from "kysely";
import type { IntegrationsTable, OAuthStatesTable } from "../../src/db/schema.ts";

// Rows for tests that write to the database directly, below the vault (connections: connectionRow.ts).

/**
 * An integration: a generic authorization-code client with PKCE and no stored secret, created and
 * updated at `at`. `fields` holds whatever the test is about (a name, a sealed secret and its key id).
 */
export function integrationRow(
  id: string,
  at: number,
  fields: Partial<Insertable<IntegrationsTable>> = {},
): Insertable<IntegrationsTable> {
  return {
    id,
    name: `integration-${id}`,
    provider: "generic",
    description: "",
    apps: "[]",
    grant_type: "authorization_code",
    authorization_url: null,
    token_url: "https://example.com/token",
    revocation_url: null,
    introspection_url: null,
    issuer: null,
    client_id: "client",
    client_secret_enc: null,
    scopes: "[]",
    token_endpoint_auth_method: "client_secret_basic",
    pkce: 1,
    key_id: null,
    created_at: at,
    updated_at: at,
    ...fields,
  };
}

/** Who a pending sign-in is for: the session, user and integration its state row points at. */
export interface OAuthStateOwner {
  sessionId: string;
  userId: string;
  integrationId: string;
}

/**
 * A pending sign-in's state `stateHash` for `owner`, created and lapsing when `fields` says; no app, no
 * nonce, back to "/", with a verifier shaped like a sealed one unless `fields` gives one.
 */
export function oauthStateRow(
  stateHash: string,
  owner: OAuthStateOwner,
  fields: Pick<OAuthStatesTable, "created_at" | "expires_at"> & Partial<OAuthStatesTable>,
): Insertable<OAuthStatesTable> {
  return {
    state_hash: stateHash,
    session_id: owner.sessionId,
    user_id: owner.userId,
    integration_id: owner.integrationId,
    app: null,
    return_to: "/",
    code_verifier_enc: "v1.k.n.v",
    nonce: null,
    redirect_uri: "http://127.0.0.1/cb",
    key_id: "k",
    ...fields,
  };
}
