import * as oauth from "oauth4webapi";
import { check, createOAuthContext, tokenHintRequest, type OAuthClientConfig } from "./client.ts";
import type { TokenTypeHint } from "./revoke.ts";

/** The RFC 7662 fields the hub uses; only `active` is always present. */
export interface IntrospectionResult {
  active: boolean;
  scope?: string;
  /** Epoch seconds. */
  exp?: number;
  client_id?: string;
  sub?: string;
  token_type?: string;
}

const INTROSPECTION_ENDPOINT = { field: "introspection_endpoint", name: "introspection URL" };

/** Sends an RFC 7662 introspection for `token`; returns the raw answer. Needs an introspection URL. */
export function introspectionRequest(
  cfg: OAuthClientConfig,
  token: string,
  hint?: TokenTypeHint,
): Promise<Response> {
  return tokenHintRequest(cfg, oauth.introspectionRequest, INTROSPECTION_ENDPOINT, token, hint);
}

/** Checks an introspection answer with oauth4webapi (JSON object with a boolean `active`) and picks its fields. */
export async function processIntrospectionResponse(
  cfg: OAuthClientConfig,
  response: Response,
): Promise<IntrospectionResult> {
  const ctx = createOAuthContext(cfg);
  const answer = await check(response, (r) => oauth.processIntrospectionResponse(ctx.as, ctx.client, r));
  const result: IntrospectionResult = { active: answer.active };
  if (typeof answer.scope === "string") result.scope = answer.scope;
  if (typeof answer.exp === "number") result.exp = answer.exp;
  if (typeof answer.client_id === "string") result.client_id = answer.client_id;
  if (typeof answer.sub === "string") result.sub = answer.sub;
  if (typeof answer.token_type === "string") result.token_type = answer.token_type;
  return result;
}

/**
 * Asks the provider whether a token is still active (RFC 7662). Throws `invalid_configuration` when the
 * integration has no introspection URL.
 */
export async function introspectToken(
  cfg: OAuthClientConfig,
  token: string,
  hint?: TokenTypeHint,
): Promise<IntrospectionResult> {
  const response = await introspectionRequest(cfg, token, hint);
  return processIntrospectionResponse(cfg, response);
}
