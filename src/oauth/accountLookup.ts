/**
 * Which provider account a user just signed in with — for the hub's account page and the CLI's "signed in
 * as": what the tokens themselves say (ID token, a JWT access token), and, when that lacks an email or a
 * name, what the userinfo endpoint says (given, or named by the issuer's discovery document). Best effort
 * within a short budget: a provider that says nothing, or is slow, only leaves the account unnamed.
 */
import { GatehouseError } from "../errors.ts";
import { discover, type OAuthClientConfig } from "./client.ts";
import {
  identityFromClaims,
  identityFromTokens,
  jwtClaims,
  mergeIdentities,
  type AccountIdentity,
} from "./identity.ts";
import type { TokenSet } from "./client.ts";
import { userinfo } from "./userinfo.ts";

export const ACCOUNT_LOOKUP_TIMEOUT_MS = 2_500;

type Log = { debug: (fields: Record<string, unknown>, message: string) => void };

export interface AccountLookupOptions {
  /** The userinfo endpoint when the caller already knows it; otherwise discovered from `cfg.issuer`. */
  userinfoUrl?: string | null;
  timeoutMs?: number;
  log?: Log;
}

export async function lookupAccount(
  cfg: OAuthClientConfig,
  tokens: Pick<TokenSet, "idToken" | "accessToken">,
  options: AccountLookupOptions = {},
): Promise<AccountIdentity | null> {
  const fromTokens = identityFromTokens(tokens);
  if ((fromTokens?.email && fromTokens.name) || (!cfg.issuer && !options.userinfoUrl)) return fromTokens;
  const timeoutMs = options.timeoutMs ?? ACCOUNT_LOOKUP_TIMEOUT_MS;
  try {
    const userinfoUrl =
      options.userinfoUrl ??
      (cfg.issuer
        ? (await discover(cfg.issuer, { timeoutMs, allowInsecureHttp: cfg.allowInsecureHttp })).userinfoUrl
        : null);
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
