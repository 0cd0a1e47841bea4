import type { ConnectionRow } from "../../src/vault/connectionStore.ts";

/**
 * A stored connection for tests, to hand to code that reads rows or to insert directly: connected, with
 * tokens shaped like sealed ones, no lease, no account details. `fields` says when it was issued and when it expires, and
 * anything else the test is about.
 */
export function connectionRow(
  fields: Pick<ConnectionRow, "connected_at" | "expires_at"> & Partial<ConnectionRow>,
): ConnectionRow {
  return {
    id: "c1",
    integration_id: "i1",
    user_id: "u1",
    status: "connected",
    access_token_enc: "v1.k.n.a",
    refresh_token_enc: "v1.k.n.r",
    token_type: "Bearer",
    scopes: "[]",
    last_refreshed_at: null,
    version: 1,
    refresh_lease_owner: null,
    refresh_lease_until: null,
    key_id: "k",
    account_subject: null,
    account_email: null,
    account_name: null,
    ...fields,
  };
}
