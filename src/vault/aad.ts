/**
 * Associated data (AAD) that binds every ciphertext to its row and column. AES-GCM refuses to open a value
 * under any other string, so a ciphertext copied into another row, column or table does not decrypt.
 *
 *   integrations.client_secret_enc      integrations:<id>:client_secret
 *   connections.access_token_enc        connections:<id>:access_token
 *   connections.refresh_token_enc       connections:<id>:refresh_token
 *   service_tokens.access_token_enc     service_tokens:<integration_id>:access_token
 *   oauth_states.code_verifier_enc      oauth_states:<state_hash>:code_verifier
 *   sessions.id_token_enc               sessions:<id>:id_token
 *   the pending sign-in cookie          oidc_signin:<state_hash>   (the state comes back in the callback)
 *
 * The one definition: storage seals and opens with these, and key rotation re-encrypts with them. If the
 * two ever disagreed, rows would stop decrypting after a rotation.
 */
export const aad = {
  integrationClientSecret: (id: string): string => `integrations:${id}:client_secret`,
  connectionAccessToken: (id: string): string => `connections:${id}:access_token`,
  connectionRefreshToken: (id: string): string => `connections:${id}:refresh_token`,
  serviceAccessToken: (integrationId: string): string => `service_tokens:${integrationId}:access_token`,
  oauthStateCodeVerifier: (stateHash: string): string => `oauth_states:${stateHash}:code_verifier`,
  sessionIdToken: (sessionId: string): string => `sessions:${sessionId}:id_token`,
  pendingSignIn: (stateHash: string): string => `oidc_signin:${stateHash}`,
} as const;
