/**
 * The Bentley integration the iTwin guide has an admin create (test/guides walks the guide): from the
 * bentley-itwin preset with no URLs — the hub fills them in from the preset, in the sandbox at the
 * emulator — for the itwin-browser app, as the sandbox's web client.
 */
export const GUIDE_BENTLEY_INTEGRATION = {
  name: "viktor-itwin-integration",
  provider: "bentley-itwin",
  description: "OAuth 2.0 integration for accessing Bentley iTwin projects and iModels",
  apps: ["itwin-browser"],
  clientId: "sandbox-web",
  clientSecret: "sandbox-web-secret",
};
