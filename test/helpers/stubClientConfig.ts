import type { OAuthClientConfig } from "../../src/oauth/client.ts";

/**
 * A client config for engine unit tests against the stub provider at `url`: the sandbox web client with
 * HTTP Basic auth, its token endpoint at `/connect/token`, plain http allowed. A test file overrides what
 * it is about.
 */
export function stubClientConfig(url: string, overrides: Partial<OAuthClientConfig> = {}): OAuthClientConfig {
  return {
    tokenUrl: `${url}/connect/token`,
    clientId: "sandbox-web",
    clientSecret: "sandbox-web-secret",
    tokenEndpointAuthMethod: "client_secret_basic",
    allowInsecureHttp: true,
    ...overrides,
  };
}
