import { bentleyImsEndpoints, bentleyImsQuirks } from "./bentley-ims.ts";
import type { ProviderPreset } from "./types.ts";

/** Seequent Evo: its own APIs, but users and apps sign in through Bentley IMS. */
export const seequentEvo: ProviderPreset = {
  id: "seequent-evo",
  displayName: "Seequent Evo",
  defaults: {
    ...bentleyImsEndpoints,
    scopes: ["evo.discovery", "evo.workspace", "offline_access"],
  },
  scopeCatalog: [
    {
      scope: "evo.discovery",
      description: "Find the organizations, hubs and services you can use (always needed)",
    },
    { scope: "evo.workspace", description: "List and manage workspaces (always needed)" },
    { scope: "evo.object", description: "Geoscience Object API" },
    { scope: "evo.blocksync", description: "Block Model API" },
    { scope: "evo.file", description: "File API" },
    { scope: "offline_access", description: "A refresh token, so the user need not sign in every hour" },
  ],
  grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
  docsUrl: "https://developer.seequent.com/docs/guides/getting-started/apps-and-tokens",
  apiBaseUrls: ["https://discover.api.seequent.com", "https://*.api.seequent.com"],
  quirks: {
    ...bentleyImsQuirks,
    alwaysRequiredScopes: ["evo.discovery", "evo.workspace"],
  },
};
