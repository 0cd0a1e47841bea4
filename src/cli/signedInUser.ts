/**
 * Who signed in, so that `gatehouse login` can say so: the ID token's claims (the code exchange has
 * already checked them), then the userinfo endpoint when the ID token names no one (IMS and APS put only
 * `sub` there, or send no ID token without `openid`), then the claims of a JWT access token. Best effort:
 * the tokens are already saved, so a provider that says nothing leaves the identity unknown and never
 * fails the login.
 */
import {
  identityFromClaims,
  identityFromJwt,
  mergeIdentities,
  namesSomeone,
  type AccountIdentity,
  type OAuthClientConfig,
  type TokenSet,
  userinfo,
} from "../oauth/index.ts";

const USERINFO_TIMEOUT_MS = 5_000;

export async function whoSignedIn(
  oauth: OAuthClientConfig,
  tokens: Pick<TokenSet, "accessToken" | "idToken">,
  userinfoUrl: string | null,
): Promise<AccountIdentity> {
  let identity = identityFromJwt(tokens.idToken);
  if (!namesSomeone(identity) && userinfoUrl) {
    try {
      const claims = await userinfo(
        { ...oauth, timeoutMs: USERINFO_TIMEOUT_MS },
        userinfoUrl,
        tokens.accessToken,
        identity.subject,
      );
      identity = mergeIdentities(identity, identityFromClaims(claims));
    } catch {
      // No userinfo for this token (scope, audience, or none at all): try the access token itself.
    }
  }
  if (!namesSomeone(identity)) {
    const fromAccessToken = identityFromJwt(tokens.accessToken);
    // Only a token about the same subject may fill in the name.
    if (identity.subject === null || fromAccessToken.subject === identity.subject) {
      identity = mergeIdentities(identity, fromAccessToken);
    }
  }
  return identity;
}
