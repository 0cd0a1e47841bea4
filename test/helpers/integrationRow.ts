import type { Insertable } from "kysely";
import type { IntegrationsTable } from "../../src/db/schema.ts";

/**
 * An integration row for tests that write to the database directly, below the vault: a generic
 * authorization-code client with PKCE and no stored secret, created and updated at `at`. `fields` holds
 * whatever the test is about (a name, a sealed secret and its key id).
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
