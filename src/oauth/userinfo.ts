import * as oauth from "oauth4webapi";
import { check, createOAuthContext, send, type OAuthClientConfig } from "./client.ts";
import { OAuthError } from "./errors.ts";

/** Asks the userinfo endpoint (OpenID Connect Core §5.3) about the access token's user; the raw answer. */
export async function userinfoRequest(
  cfg: OAuthClientConfig,
  userinfoUrl: string,
  accessToken: string,
): Promise<Response> {
  const ctx = createOAuthContext({ ...cfg, userinfoUrl });
  if (typeof ctx.as.userinfo_endpoint !== "string") {
    throw new OAuthError("invalid_configuration", "No userinfo endpoint is known");
  }
  return send(() => oauth.userInfoRequest(ctx.as, ctx.client, accessToken, ctx.requestOptions()));
}

/**
 * Checks a userinfo answer with oauth4webapi (JSON with a `sub`; `expectedSubject`, when given, must match
 * it) and returns its claims.
 */
export async function processUserinfoResponse(
  cfg: OAuthClientConfig,
  response: Response,
  expectedSubject?: string | null,
): Promise<Record<string, unknown>> {
  const ctx = createOAuthContext(cfg);
  return check(response, (r) =>
    oauth.processUserInfoResponse(ctx.as, ctx.client, expectedSubject ?? oauth.skipSubjectCheck, r),
  );
}

/** The claims the userinfo endpoint gives for `accessToken`. */
export async function userinfo(
  cfg: OAuthClientConfig,
  userinfoUrl: string,
  accessToken: string,
  expectedSubject?: string | null,
): Promise<Record<string, unknown>> {
  const response = await userinfoRequest(cfg, userinfoUrl, accessToken);
  return processUserinfoResponse(cfg, response, expectedSubject);
}
