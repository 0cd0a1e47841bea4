/**
 * Which provider account a user just connected, for the account page: what the tokens themselves say (ID
 * token, a JWT access token), and, when that lacks an email or a name and the integration has an issuer whose
 * discovery document names a userinfo endpoint, what userinfo says. Best effort within a short budget: a
 * provider that says nothing, or is slow, only leaves the account unnamed.
 */
import { GatehouseError } from "../errors.ts";
import { discover, userinfo, type OAuthClientConfig, type TokenSet } from "../oauth/index.ts";
import {
  identityFromClaims,
  identityFromTokens,
  jwtClaims,
  mergeIdentities,
  type AccountIdentity,
} from "../vault/accountIdentity.ts";

export const ACCOUNT_LOOKUP_TIMEOUT_MS = 2_500;

type Log = { debug: (fields: Record<string, unknown>, message: string) => void };

export async function lookupAccount(
  cfg: OAuthClientConfig,
  tokens: Pick<TokenSet, "idToken" | "accessToken">,
  options: { timeoutMs?: number; log?: Log } = {},
): Promise<AccountIdentity | null> {
  const fromTokens = identityFromTokens(tokens);
  if ((fromTokens?.email && fromTokens.name) || !cfg.issuer) return fromTokens;
  const timeoutMs = options.timeoutMs ?? ACCOUNT_LOOKUP_TIMEOUT_MS;
  try {
    const { userinfoUrl } = await discover(cfg.issuer, {
      timeoutMs,
      allowInsecureHttp: cfg.allowInsecureHttp,
    });
    if (!userinfoUrl) return fromTokens;
    // OpenID Connect: userinfo must be about the ID token's subject, when there is an ID token.
    const idTokenSubject = identityFromClaims(jwtClaims(tokens.idToken))?.subject ?? null;
    const claims = await userinfo({ ...cfg, timeoutMs }, userinfoUrl, tokens.accessToken, idTokenSubject);
    return mergeIdentities(fromTokens, identityFromClaims(claims));
  } catch (err) {
    options.log?.debug(
      { problem: err instanceof GatehouseError ? err.code : "error" },
      "account lookup at userinfo failed (ignored)",
    );
    return fromTokens;
  }
}
