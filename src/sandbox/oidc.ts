import type { OidcConfig } from "../config/index.ts";
import { SANDBOX_SIGNIN_CLIENT } from "./emulators.ts";

/**
 * The sandbox's sign-in: the Bentley emulator is the identity provider too, as Bentley IMS can be a firm's.
 * IMS sends no groups claim, so roles come from the (verified) `email` claim; the demo users exist in the
 * hub already with the same emails, so a first sign-in links them.
 */
export function sandboxOidcConfig(bentleyUrl: string): OidcConfig {
  return {
    issuer: bentleyUrl,
    clientId: SANDBOX_SIGNIN_CLIENT.clientId,
    clientSecret: SANDBOX_SIGNIN_CLIENT.clientSecret,
    scopes: ["openid", "email", "profile"],
    rolesClaim: "email",
    roles: { admin: ["admin@example.com"], developer: ["alice@example.com"] },
    name: "Bentley (sandbox)",
    linkByEmail: true,
  };
}

/** The same settings as GATEHOUSE_OIDC_* variables, for the start banner and the README. */
export const SANDBOX_OIDC_ENV = {
  GATEHOUSE_OIDC_ROLES_CLAIM: "email",
  GATEHOUSE_OIDC_ROLES: "admin=admin@example.com;developer=alice@example.com",
  GATEHOUSE_OIDC_NAME: "Bentley (sandbox)",
  GATEHOUSE_OIDC_LINK_BY_EMAIL: "true",
} as const;
