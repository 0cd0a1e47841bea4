import { randomBytes, randomUUID } from "node:crypto";
import type { Store } from "../../src/db/index.ts";
import { oauthConfigFor as hubOauthConfigFor } from "../../src/hub/connect/oauthConfig.ts";
import type { OAuthClientConfig } from "../../src/oauth/index.ts";
import { KeyRing } from "../../src/vault/keyRing.ts";
import {
  IntegrationStore,
  type Integration,
  type IntegrationInput,
} from "../../src/vault/integrationStore.ts";
import type { SecretCipher } from "../../src/vault/storage.ts";

/** A key ring with one fresh random key named `keyId`. */
export function testCipher(keyId = "test1"): KeyRing {
  return KeyRing.fromEnv(`${keyId}:${randomBytes(32).toString("base64")}`);
}

/** Inserts a hub user (connections reference users) and returns its id. */
export async function createUser(store: Store, email = `${randomUUID()}@example.com`): Promise<string> {
  const id = randomUUID();
  await store.db
    .insertInto("users")
    .values({ id, email, password_hash: "not-a-real-hash", role: "user", created_at: Date.now() })
    .execute();
  return id;
}

/** An integration input pointing at an authorization server at `baseUrl` with IdentityServer paths. */
export function integrationInput(
  baseUrl: string,
  overrides: Partial<IntegrationInput> = {},
): IntegrationInput {
  return {
    name: `it-${randomUUID().slice(0, 8)}`,
    provider: "bentley-itwin",
    description: "test integration",
    apps: ["*"],
    grantType: "authorization_code",
    authorizationUrl: `${baseUrl}/connect/authorize`,
    tokenUrl: `${baseUrl}/connect/token`,
    revocationUrl: `${baseUrl}/connect/revocation`,
    introspectionUrl: `${baseUrl}/connect/introspect`,
    issuer: baseUrl,
    clientId: "sandbox-web",
    clientSecret: "sandbox-web-secret",
    scopes: ["itwin-platform", "offline_access"],
    tokenEndpointAuthMethod: "client_secret_basic",
    pkce: true,
    ...overrides,
  };
}

export async function createIntegration(
  store: Store,
  cipher: SecretCipher,
  baseUrl: string,
  overrides: Partial<IntegrationInput> = {},
): Promise<Integration> {
  return new IntegrationStore(store, cipher).create(integrationInput(baseUrl, overrides));
}

/** The OAuth engine's config for an integration, exactly as the hub builds it (sandbox: plain http allowed), with a shorter timeout for tests. */
export function oauthConfigFor(integration: Integration): OAuthClientConfig {
  return { ...hubOauthConfigFor({ sandbox: true }, integration), timeoutMs: 5_000 };
}

/** Every text value in every row of the vault's tables, for "no plaintext secret in the database" checks. */
export async function allStoredText(store: Store): Promise<string> {
  const tables = ["integrations", "connections", "service_tokens"] as const;
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await store.db.selectFrom(table).selectAll().execute();
    parts.push(JSON.stringify(rows));
  }
  return parts.join("\n");
}
