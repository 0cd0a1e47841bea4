import { bentleyImsEndpoints, bentleyImsQuirks } from "./bentley-ims.ts";
import type { ProviderPreset } from "./types.ts";

/** Bentley iTwin Platform, signed in through Bentley IMS (IdentityServer-style `/connect/*` paths). */
export const bentleyItwin: ProviderPreset = {
  id: "bentley-itwin",
  displayName: "Bentley iTwin Platform",
  defaults: {
    ...bentleyImsEndpoints,
    scopes: ["itwin-platform", "offline_access"],
  },
  scopeCatalog: [
    {
      scope: "itwin-platform",
      description: "All iTwin Platform APIs; what a user may do is decided by roles",
    },
    { scope: "offline_access", description: "A refresh token, so the user need not sign in every hour" },
    { scope: "openid", description: "OpenID Connect sign-in (not for service apps)" },
    { scope: "profile", description: "The user's name (not for service apps)" },
    { scope: "email", description: "The user's email address (not for service apps)" },
    { scope: "organization", description: "The user's organization (not for service apps)" },
  ],
  grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
  docsUrl: "https://developer.bentley.com/apis/overview/authorization/",
  apiBaseUrls: ["https://api.bentley.com"],
  quirks: {
    ...bentleyImsQuirks,
    alwaysRequiredScopes: [],
  },
};
