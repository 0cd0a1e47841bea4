/**
 * The vault against the Bentley IMS emulator: an integration wired to it, and a connection made the real
 * way — authorization URL, alice signs in at the emulator's own pages, code exchange — then stored.
 */
import type { Store } from "../../src/db/index.ts";
import type { Emulator } from "../../src/emulators/index.ts";
import {
  buildAuthorizationUrl,
  exchangeCode,
  validateCallback,
  type TokenSet,
} from "../../src/oauth/index.ts";
import { getPreset, presetForBaseUrl } from "../../src/providers/index.ts";
import type { Integration, IntegrationInput } from "../../src/vault/integrationStore.ts";
import type { SecretCipher } from "../../src/vault/storage.ts";
import type { TokenService } from "../../src/vault/tokenService.ts";
import { signInAtEmulator } from "./browser.ts";
import { createIntegration, oauthConfigFor } from "./vaultFixtures.ts";

export const VAULT_REDIRECT_URI = "http://127.0.0.1:41998/api/integrations/oauth2/callback/";
export const ALICE = { email: "alice@example.com", password: "sandbox" };

/** A `bentley-itwin` integration whose endpoints are the emulator's (the sandbox wiring). */
export function bentleyIntegration(
  store: Store,
  cipher: SecretCipher,
  bentley: Emulator,
  overrides: Partial<IntegrationInput> = {},
): Promise<Integration> {
  const { defaults } = presetForBaseUrl(getPreset("bentley-itwin"), bentley.url);
  return createIntegration(store, cipher, bentley.url, {
    provider: "bentley-itwin",
    authorizationUrl: defaults.authorizationUrl,
    tokenUrl: defaults.tokenUrl,
    revocationUrl: defaults.revocationUrl,
    introspectionUrl: defaults.introspectionUrl,
    issuer: defaults.issuer,
    scopes: ["itwin-platform", "offline_access"],
    tokenEndpointAuthMethod: defaults.tokenEndpointAuthMethod,
    ...overrides,
  });
}

/** Alice signs in at the emulator for `integration`; the exchanged tokens (not stored). */
export async function signInAlice(integration: Integration): Promise<TokenSet> {
  const cfg = oauthConfigFor(integration);
  const start = await buildAuthorizationUrl(cfg, {
    redirectUri: VAULT_REDIRECT_URI,
    scopes: integration.scopes,
  });
  const callbackUrl = new URL((await signInAtEmulator(start.url, ALICE)).finalUrl);
  const params = validateCallback(cfg, callbackUrl, start.state);
  return exchangeCode(cfg, params, {
    redirectUri: VAULT_REDIRECT_URI,
    codeVerifier: start.codeVerifier,
    nonce: start.nonce,
    scopes: integration.scopes,
  });
}

/** Signs alice in and stores the connection for hub user `userId`. */
export async function connectAlice(
  tokenService: TokenService,
  integration: Integration,
  userId: string,
): Promise<TokenSet> {
  const tokens = await signInAlice(integration);
  await tokenService.saveConnection(integration, userId, tokens);
  return tokens;
}
