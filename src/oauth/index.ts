// The OAuth engine: one protocol step per file, each split into a …Request() that sends and a
// process…Response() that decides, on oauth4webapi. Errors are OAuthError with stable codes.
export { OAuthError, type OAuthErrorCode, oauthErrorFromProviderCode, parseRetryAfter } from "./errors.ts";
export {
  type OAuthClientConfig,
  type TokenSet,
  type OAuthContext,
  type DiscoveredEndpoints,
  type DiscoverOptions,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_EXPIRES_IN_SECONDS,
  createOAuthContext,
  discover,
} from "./client.ts";
export { splitScopes, toTokenSet } from "./tokenSet.ts";
export {
  buildAuthorizationUrl,
  type AuthorizationUrlOptions,
  type AuthorizationRequest,
} from "./authorize.ts";
export { validateCallback } from "./callback.ts";
export {
  exchangeCode,
  codeExchangeRequest,
  processCodeExchangeResponse,
  type CodeExchangeOptions,
} from "./exchange.ts";
export { refreshTokens, refreshRequest, processRefreshResponse, type RefreshOptions } from "./refresh.ts";
export {
  clientCredentials,
  clientCredentialsRequest,
  processClientCredentialsResponse,
  type ClientCredentialsOptions,
} from "./clientCredentials.ts";
export { revokeToken, revocationRequest, processRevocationResponse, type TokenTypeHint } from "./revoke.ts";
export { userinfo, userinfoRequest, processUserinfoResponse } from "./userinfo.ts";
export {
  introspectToken,
  introspectionRequest,
  processIntrospectionResponse,
  type IntrospectionResult,
} from "./introspect.ts";
export {
  describeIdentity,
  identityFromClaims,
  identityFromTokens,
  jwtClaims,
  mergeIdentities,
  namesSomeone,
  type AccountIdentity,
} from "./identity.ts";
export { lookupAccount, ACCOUNT_LOOKUP_TIMEOUT_MS, type AccountLookupOptions } from "./accountLookup.ts";
