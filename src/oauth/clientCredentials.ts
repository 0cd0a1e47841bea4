import * as oauth from "oauth4webapi";
import { check, createOAuthContext, send, type OAuthClientConfig, type TokenSet } from "./client.ts";
import { toTokenSet } from "./tokenSet.ts";

/** Options for `clientCredentials`. */
export interface ClientCredentialsOptions {
  scopes: readonly string[];
  /** Epoch ms the request is sent, by the caller's clock (`expires_in` counts from it). Default now. */
  now?: number;
}

/** Sends the client-credentials grant (the app as itself) to the token endpoint; returns the raw answer. */
export async function clientCredentialsRequest(
  cfg: OAuthClientConfig,
  options: ClientCredentialsOptions,
): Promise<Response> {
  const ctx = createOAuthContext(cfg);
  const parameters: Record<string, string> = options.scopes.length ? { scope: options.scopes.join(" ") } : {};
  return send(() =>
    oauth.clientCredentialsGrantRequest(ctx.as, ctx.client, ctx.clientAuth, parameters, ctx.requestOptions()),
  );
}

/** Checks the answer to a client-credentials grant with oauth4webapi and returns the TokenSet. */
export async function processClientCredentialsResponse(
  cfg: OAuthClientConfig,
  response: Response,
  options: ClientCredentialsOptions,
): Promise<TokenSet> {
  const ctx = createOAuthContext(cfg);
  const answer = await check(response, (r) => oauth.processClientCredentialsResponse(ctx.as, ctx.client, r));
  return toTokenSet(cfg, answer, { scopes: options.scopes, now: options.now });
}

/**
 * A service token: the client authenticates as itself, no user involved. Bad credentials are
 * `invalid_client`; a scope the client may not have is `invalid_scope`.
 */
export async function clientCredentials(
  cfg: OAuthClientConfig,
  options: ClientCredentialsOptions,
): Promise<TokenSet> {
  const now = options.now ?? Date.now();
  const response = await clientCredentialsRequest(cfg, options);
  return processClientCredentialsResponse(cfg, response, { ...options, now });
}
