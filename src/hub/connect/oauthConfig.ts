import type { HubConfig } from "../../config/index.ts";
import type { OAuthClientConfig } from "../../oauth/index.ts";
import { getPreset, isProviderId, normalizeScopes } from "../../providers/index.ts";
import type { Integration } from "../../vault/integrationStore.ts";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

function isLoopback(url: string | null): boolean {
  if (!url) return true;
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The OAuth engine's view of an integration. Plain http is allowed only towards this machine (the
 * emulators, tests) or in sandbox mode; the preset's quirks decide whether a missing `iss` is refused.
 */
export function oauthConfigFor(
  config: Pick<HubConfig, "sandbox">,
  integration: Integration,
): OAuthClientConfig {
  const urls = [
    integration.authorizationUrl,
    integration.tokenUrl,
    integration.revocationUrl,
    integration.introspectionUrl,
    integration.issuer,
  ];
  const quirks = isProviderId(integration.provider) ? getPreset(integration.provider).quirks : null;
  return {
    issuer: integration.issuer,
    authorizationUrl: integration.authorizationUrl,
    tokenUrl: integration.tokenUrl,
    revocationUrl: integration.revocationUrl,
    introspectionUrl: integration.introspectionUrl,
    clientId: integration.clientId,
    clientSecret: integration.clientSecret,
    tokenEndpointAuthMethod: integration.tokenEndpointAuthMethod,
    allowInsecureHttp: config.sandbox || urls.every(isLoopback),
    requireIssInAuthResponse: quirks?.issuesIssInAuthResponse ?? false,
  };
}

/** The scopes to ask for, with the preset's always-required scopes and service restrictions applied. */
export function requestScopes(integration: Integration): string[] {
  if (!isProviderId(integration.provider)) return [...integration.scopes];
  return normalizeScopes(getPreset(integration.provider), integration.scopes, integration.grantType);
}
