/** The hub's OpenID Connect sign-in routes (the callback is the redirect URI registered at the provider). */
export const OIDC_LOGIN_PATH = "/api/auth/oidc/login";
export const OIDC_CALLBACK_PATH = "/api/auth/oidc/callback";
export const OIDC_LOGOUT_PATH = "/api/auth/oidc/logout";

/** The redirect URI to register at the identity provider for the hub's sign-in. */
export function oidcRedirectUri(config: { publicUrl: string }): string {
  return `${config.publicUrl}${OIDC_CALLBACK_PATH}`;
}
