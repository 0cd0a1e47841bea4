import { describe, expect, it } from "vitest";
import type { Integration } from "../../vault/integrationStore.ts";
import { integrationView, integrationViewSchema } from "./integrationInput.ts";

const integration: Integration = {
  id: "00000000-0000-4000-8000-000000000001",
  name: "viktor-itwin-integration",
  provider: "bentley-itwin",
  description: "iTwin",
  apps: ["itwin-browser"],
  grantType: "authorization_code",
  authorizationUrl: "https://ims.bentley.com/connect/authorize",
  tokenUrl: "https://ims.bentley.com/connect/token",
  revocationUrl: null,
  introspectionUrl: null,
  issuer: "https://ims.bentley.com",
  clientId: "client",
  clientSecret: "s3cret-value",
  scopes: ["itwin-platform"],
  tokenEndpointAuthMethod: "client_secret_basic",
  pkce: true,
  createdAt: Date.UTC(2026, 0, 1),
  updatedAt: Date.UTC(2026, 0, 2),
};

describe("integrationView", () => {
  const view = integrationView({ publicUrl: "http://127.0.0.1:8080" }, integration, 3);

  it("has exactly the fields its response schema serialises (src/api's IntegrationView, the UI's type)", () => {
    expect(Object.keys(view).sort()).toEqual(Object.keys(integrationViewSchema.properties).sort());
  });

  it("shows whether a secret is set, never the secret", () => {
    expect(view.clientSecretSet).toBe(true);
    expect(JSON.stringify(view)).not.toContain("s3cret-value");
    expect(view).toMatchObject({ connectionCount: 3, createdAt: "2026-01-01T00:00:00.000Z" });
    expect(view.redirectUri).toBe("http://127.0.0.1:8080/api/integrations/oauth2/callback/");
  });
});
