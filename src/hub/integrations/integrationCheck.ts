/**
 * An integration's Test button: what can be checked without a user, each check in words. For a user
 * integration: the discovery document (when an issuer is set), the authorization endpoint answers, and the
 * token endpoint answers a made-up code with an OAuth error while accepting the client. For a service
 * integration: discovery, and client credentials obtain a token (revoked again at once where possible).
 */
import { OAuthError, revokeToken, type OAuthClientConfig } from "../../oauth/index.ts";
import type { Integration } from "../../vault/integrationStore.ts";
import {
  PROBE_TIMEOUT_MS,
  authorizationEndpointRequest,
  clientCredentialsProbeRequest,
  describeNetworkError,
  discoveryRequest,
  discoveryUrl,
  judgeAuthorizationEndpoint,
  judgeClientCredentials,
  judgeDiscovery,
  judgeTokenEndpoint,
  result,
  tokenEndpointRequest,
  withoutSecret,
  type CheckId,
  type CheckResult,
} from "./integrationProbes.ts";

export type { CheckResult, CheckStatus } from "./integrationProbes.ts";

export type { IntegrationCheckReport } from "../../api/integrations.ts";
import type { IntegrationCheckReport } from "../../api/integrations.ts";

export interface IntegrationCheckOptions {
  /** The hub's callback URL (sent with the made-up code, as a real exchange would). */
  redirectUri: string;
  /** The scopes a service token is asked for (the preset's rules applied). */
  scopes: readonly string[];
}

/**
 * Runs one probe: the request's failure to get any answer is said in words (a misconfigured URL that the
 * OAuth engine refuses to call, e.g. plain http, keeps the engine's message), the answer goes to `judge`.
 */
async function probe(
  id: CheckId,
  url: string,
  request: () => Promise<Response>,
  judge: (response: Response) => CheckResult | Promise<CheckResult>,
): Promise<CheckResult> {
  let response: Response;
  try {
    response = await request();
  } catch (err) {
    const message =
      err instanceof OAuthError && err.code === "invalid_configuration"
        ? `${err.message}.`
        : describeNetworkError(err, url);
    return result(id, "failed", message, url);
  }
  try {
    return await judge(response);
  } finally {
    if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
  }
}

function discoveryCheck(cfg: OAuthClientConfig): Promise<CheckResult> {
  const issuer = cfg.issuer;
  if (!issuer) {
    return Promise.resolve(
      result(
        "discovery",
        "skipped",
        "No issuer is set (Advanced settings), so there is no discovery document to check and the callback's iss is not checked.",
      ),
    );
  }
  return probe(
    "discovery",
    discoveryUrl(issuer),
    () => discoveryRequest(issuer),
    (response) => judgeDiscovery(response, { issuer, tokenUrl: cfg.tokenUrl }),
  );
}

async function clientCredentialsCheck(
  cfg: OAuthClientConfig,
  scopes: readonly string[],
): Promise<CheckResult> {
  let accessToken: string | null = null;
  const check = await probe(
    "client_credentials",
    cfg.tokenUrl,
    () => clientCredentialsProbeRequest(cfg, scopes),
    async (response) => {
      const judged = await judgeClientCredentials(response, cfg, scopes);
      accessToken = judged.accessToken;
      return judged.check;
    },
  );
  if (accessToken && cfg.revocationUrl) {
    // Courtesy: the test token is not needed; a provider that cannot revoke lets it expire.
    await revokeToken({ ...cfg, timeoutMs: PROBE_TIMEOUT_MS }, accessToken, "access_token").catch(
      () => undefined,
    );
  }
  return check;
}

/** Every check for `integration`, run side by side; never throws. */
export async function checkIntegration(
  integration: Pick<Integration, "name" | "grantType" | "authorizationUrl">,
  cfg: OAuthClientConfig,
  options: IntegrationCheckOptions,
): Promise<IntegrationCheckReport> {
  const checks: Promise<CheckResult>[] = [discoveryCheck(cfg)];
  if (integration.grantType === "client_credentials") {
    checks.push(clientCredentialsCheck(cfg, options.scopes));
  } else {
    const authorizationUrl = integration.authorizationUrl;
    checks.push(
      authorizationUrl
        ? probe(
            "authorization_endpoint",
            authorizationUrl,
            () => authorizationEndpointRequest(authorizationUrl),
            (response) => judgeAuthorizationEndpoint(response, authorizationUrl),
          )
        : Promise.resolve(result("authorization_endpoint", "failed", "No authorization URL is set.")),
      probe(
        "token_endpoint",
        cfg.tokenUrl,
        () => tokenEndpointRequest(cfg, options.redirectUri),
        (response) => judgeTokenEndpoint(response, cfg.tokenUrl, cfg.clientSecret ?? null),
      ),
    );
  }
  const done = await Promise.all(checks);
  // Whatever a check says, the secret never leaves (a provider may echo it in a URL or a message).
  const safe = done.map((check) => ({ ...check, message: withoutSecret(check.message, cfg.clientSecret) }));
  return {
    integration: integration.name,
    ok: safe.every((check) => check.status !== "failed"),
    checks: safe,
  };
}
