import * as oauth from "oauth4webapi";
import { OAuthError } from "./errors.ts";
import { check, createOAuthContext, send, type OAuthClientConfig } from "./client.ts";

/** The userinfo endpoint's URL on the client's authorization server, checked like the other endpoints. */
function contextWithUserinfo(cfg: OAuthClientConfig, userinfoUrl: string) {
  const ctx = createOAuthContext(cfg);
  let url: URL;
  try {
    url = new URL(userinfoUrl);
  } catch {
    throw new OAuthError("invalid_configuration", `userinfoUrl "${userinfoUrl}" is not an absolute URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && cfg.allowInsecureHttp)) {
    throw new OAuthError("invalid_configuration", `userinfoUrl must use https: "${userinfoUrl}"`);
  }
  return { ...ctx, as: { ...ctx.as, userinfo_endpoint: url.href } };
}

/**
 * Asks the OpenID Connect userinfo endpoint (OIDC Core §5.3) who the access token belongs to; returns
 * the raw answer.
 */
export async function userinfoRequest(
  cfg: OAuthClientConfig,
  userinfoUrl: string,
  accessToken: string,
): Promise<Response> {
  const ctx = contextWithUserinfo(cfg, userinfoUrl);
  return send(() => oauth.userInfoRequest(ctx.as, ctx.client, accessToken, ctx.requestOptions()));
}

/**
 * Checks a userinfo answer with oauth4webapi — a JSON object with a `sub`, equal to `expectedSubject`
 * (the ID token's) when one is known, as OIDC Core §5.3.2 requires — and returns its claims.
 */
export async function processUserinfoResponse(
  cfg: OAuthClientConfig,
  userinfoUrl: string,
  response: Response,
  expectedSubject: string | null,
): Promise<Record<string, unknown>> {
  const ctx = contextWithUserinfo(cfg, userinfoUrl);
  return check(response, (r) =>
    oauth.processUserInfoResponse(ctx.as, ctx.client, expectedSubject ?? oauth.skipSubjectCheck, r),
  );
}

/** The claims the userinfo endpoint answers for `accessToken`. */
export async function fetchUserinfo(
  cfg: OAuthClientConfig,
  userinfoUrl: string,
  accessToken: string,
  expectedSubject: string | null = null,
): Promise<Record<string, unknown>> {
  const response = await userinfoRequest(cfg, userinfoUrl, accessToken);
  return processUserinfoResponse(cfg, userinfoUrl, response, expectedSubject);
}
