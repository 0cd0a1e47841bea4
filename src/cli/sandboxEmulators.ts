/**
 * The provider emulators of a sandbox hub (`gatehouse start` in the sandbox, `gatehouse dev`): on
 * `config.emulatorPorts`, with this hub's callback URL registered for the sandbox web client, and their
 * state in `<GATEHOUSE_DATA_DIR>/emulators` beside the hub's own data — so stopping and starting the hub
 * (same data directory, same ports) keeps every connection, grant and revocation. Loaded on demand: a hub
 * without the sandbox never loads the emulators.
 */
import { join } from "node:path";
import { callbackUrl, type HubConfig } from "../config/index.ts";
import type { Emulators } from "../emulators/index.ts";
import { oidcRedirectUri } from "../hub/identity/oidcPaths.ts";
import { sandboxOidcConfig } from "../sandbox/oidc.ts";

/** Where a hub with this data directory keeps its emulators' state. */
export function sandboxEmulatorDataDir(config: Pick<HubConfig, "dataDir">): string {
  return join(config.dataDir, "emulators");
}

/**
 * Starts the emulators and writes the ports they got back into `config`; unless GATEHOUSE_OIDC_ISSUER names
 * another provider, the Bentley emulator becomes the hub's sign-in ("Sign in with Bentley (sandbox)").
 */
export async function startSandboxEmulators(config: HubConfig): Promise<Emulators> {
  const { startEmulators } = await import("../emulators/index.ts");
  const emulators = await startEmulators({
    host: "127.0.0.1",
    ports: config.emulatorPorts,
    webRedirectUris: [callbackUrl(config), oidcRedirectUri(config)],
    dataDir: sandboxEmulatorDataDir(config),
  });
  config.emulatorPorts = emulatorPortsOf(emulators);
  config.oidc ??= sandboxOidcConfig(emulators.bentley.url);
  return emulators;
}

/**
 * The ports the emulators actually listen on. Ports given as 0 are known only once they listen, and app
 * processes learn the API host mapping (api.bentley.com → emulator) from these.
 */
export function emulatorPortsOf(emulators: Emulators): [number, number, number] {
  const port = (e: { url: string }) => Number(new URL(e.url).port);
  return [port(emulators.bentley), port(emulators.autodesk), port(emulators.seequent)];
}
