import { randomBytes } from "node:crypto";
import type { Role } from "../db/schema.ts";
import { getPreset, presetForBaseUrl, type ProviderId } from "../providers/index.ts";
import type { HubServices } from "../hub/context.ts";
import type { IntegrationInput } from "../vault/integrationStore.ts";
import {
  SANDBOX_AUTH_SERVER,
  SANDBOX_SERVICE_CLIENT,
  SANDBOX_WEB_CLIENT,
  type EmulatorUrls,
} from "./emulators.ts";

export { SANDBOX_SERVICE_CLIENT, SANDBOX_WEB_CLIENT, type EmulatorUrls } from "./emulators.ts";

interface SandboxIntegration {
  name: string;
  provider: Exclude<ProviderId, "generic">;
  grantType: "authorization_code" | "client_credentials";
  /** The example apps it is assigned to (TypeScript, and the Python twin of the same guide). */
  apps: string[];
  description: string;
  scopes?: string[];
}

/** The four sandbox integrations and the example apps they are assigned to (README: "The sandbox"). */
export const SANDBOX_INTEGRATIONS: readonly SandboxIntegration[] = [
  {
    name: "bentley-itwin",
    provider: "bentley-itwin",
    grantType: "authorization_code",
    apps: ["itwin-browser", "itwin-browser-py"],
    description: "Bentley iTwin projects and iModels (sandbox: the Bentley emulator)",
  },
  {
    name: "autodesk-aps",
    provider: "autodesk-aps",
    grantType: "authorization_code",
    apps: ["acc-hubs", "acc-hubs-py"],
    description: "Autodesk Platform Services: ACC hubs and projects (sandbox: the Autodesk emulator)",
  },
  {
    name: "seequent-evo",
    provider: "seequent-evo",
    grantType: "authorization_code",
    apps: ["evo-workspaces"],
    description: "Seequent Evo workspaces, signed in through Bentley IMS (sandbox: the emulators)",
  },
  {
    name: "bentley-itwin-service",
    provider: "bentley-itwin",
    grantType: "client_credentials",
    apps: ["itwin-service"],
    description:
      "A service identity for the iTwin Platform (client credentials; sandbox: the Bentley emulator)",
    scopes: ["itwin-platform"],
  },
];

/** Hub users of the sandbox besides the admin; the same addresses as the emulators' accounts. */
export const DEMO_USERS: readonly { email: string; password: string; role: Role }[] = [
  { email: "alice@example.com", password: "sandbox", role: "developer" },
  { email: "bob@example.com", password: "sandbox", role: "user" },
  { email: "carol@example.com", password: "sandbox", role: "user" },
];

export const DEFAULT_ADMIN_EMAIL = "admin@example.com";

export interface SeedResult {
  admin: { email: string; password: string | null; created: boolean };
  integrationsCreated: string[];
  integrationsUpdated: string[];
  usersCreated: string[];
}

function sandboxInput(spec: SandboxIntegration, urls: EmulatorUrls): IntegrationInput {
  // Seequent signs in through Bentley IMS: its authorization server is the Bentley emulator.
  const { defaults } = presetForBaseUrl(getPreset(spec.provider), urls[SANDBOX_AUTH_SERVER[spec.provider]]);
  const client = spec.grantType === "client_credentials" ? SANDBOX_SERVICE_CLIENT : SANDBOX_WEB_CLIENT;
  const orNull = (value: string) => (value === "" ? null : value);
  return {
    name: spec.name,
    provider: spec.provider,
    description: spec.description,
    apps: [...spec.apps],
    grantType: spec.grantType,
    authorizationUrl: orNull(defaults.authorizationUrl),
    tokenUrl: defaults.tokenUrl,
    revocationUrl: orNull(defaults.revocationUrl),
    introspectionUrl: orNull(defaults.introspectionUrl),
    issuer: orNull(defaults.issuer),
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scopes: spec.scopes ?? [...defaults.scopes],
    tokenEndpointAuthMethod: defaults.tokenEndpointAuthMethod,
    pkce: true,
  };
}

const isLoopback = (url: string): boolean => {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
};

/**
 * Seeds the sandbox: the four integrations wired to the emulators, the admin, and the demo users.
 * Idempotent: what exists is kept; only an integration still pointing at emulators on other ports (the
 * ports changed between runs) gets its endpoint URLs moved to the current ones.
 */
export async function seedSandbox(
  services: Pick<HubServices, "accounts" | "integrations">,
  /** Null: no emulators, so no sandbox integrations (the admin and demo users only). */
  urls: EmulatorUrls | null,
  admin: { email: string | null; password: string | null },
): Promise<SeedResult> {
  const result: SeedResult = {
    admin: { email: admin.email ?? DEFAULT_ADMIN_EMAIL, password: null, created: false },
    integrationsCreated: [],
    integrationsUpdated: [],
    usersCreated: [],
  };

  for (const spec of urls ? SANDBOX_INTEGRATIONS : []) {
    const input = sandboxInput(spec, urls!);
    const existing = await services.integrations.get(spec.name);
    if (!existing) {
      await services.integrations.create(input);
      result.integrationsCreated.push(spec.name);
    } else if (isLoopback(existing.tokenUrl) && existing.tokenUrl !== input.tokenUrl) {
      const { authorizationUrl, tokenUrl, revocationUrl, introspectionUrl, issuer } = input;
      await services.integrations.update(spec.name, {
        authorizationUrl,
        tokenUrl,
        revocationUrl,
        introspectionUrl,
        issuer,
      });
      result.integrationsUpdated.push(spec.name);
    }
  }

  if (!(await services.accounts.findByEmail(result.admin.email))) {
    const password = admin.password ?? randomBytes(12).toString("base64url");
    await services.accounts.createUser({ email: result.admin.email, password, role: "admin" });
    // Only a generated password is reported (to be printed once); one from the environment is known already.
    result.admin = { email: result.admin.email, password: admin.password ? null : password, created: true };
  }
  for (const user of DEMO_USERS) {
    if (await services.accounts.findByEmail(user.email)) continue;
    await services.accounts.createUser(user);
    result.usersCreated.push(user.email);
  }
  return result;
}
