/**
 * The offline stand-ins for Bentley, Autodesk and Seequent, started together: each on its own port,
 * Seequent trusting Bentley's tokens, and every API plugin told where the other two live.
 */
import { autodeskEmulator } from "./autodesk/emulator.ts";
import { bentleyEmulator } from "./bentley/emulator.ts";
import { seequentEmulator } from "./seequent/server.ts";
import type { EmulatorHubUrls } from "./shared/context.ts";
import { startEmulator, type Emulator } from "./shared/emulatorServer.ts";

export type { Emulator, EmulatorName } from "./shared/emulatorServer.ts";
export { startEmulator } from "./shared/emulatorServer.ts";
export type { EmulatorContext, EmulatorHubUrls } from "./shared/context.ts";
export type { EmulatorKnobs, KnobPatch, KnobSettings, InjectedFailure } from "./shared/knobs.ts";
export type { EmulatorStats } from "./shared/stats.ts";
export type { ClientDescription } from "./shared/clients.ts";
export { createTokenVerifier } from "./shared/tokenVerifier.ts";
export {
  NATIVE_CLIENT_ID,
  SERVICE_CLIENT_ID,
  SERVICE_CLIENT_SECRET,
  WEB_CLIENT_ID,
  WEB_CLIENT_SECRET,
} from "./shared/clients.ts";

export const DEFAULT_EMULATOR_PORTS: readonly [number, number, number] = [8091, 8092, 8093];

export interface StartEmulatorsOptions {
  host?: string;
  /** Bentley, Autodesk, Seequent; 0 = any free port. Default 8091, 8092, 8093. */
  ports?: readonly [number, number, number];
  /** `sandbox-web`'s redirect URIs on both authorization servers (replaceable later). */
  webRedirectUris?: readonly string[];
}

export interface Emulators {
  bentley: Emulator;
  autodesk: Emulator;
  seequent: Emulator;
  /** Replaces `sandbox-web`'s redirect URIs on both authorization servers. */
  setWebRedirectUris(uris: readonly string[]): void;
  close(): Promise<void>;
}

/** Starts all three emulators; if one fails to start, the ones already running are closed. */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  const [bentleyPort, autodeskPort, seequentPort] = options.ports ?? DEFAULT_EMULATOR_PORTS;
  const common = { host: options.host ?? "127.0.0.1", webRedirectUris: options.webRedirectUris ?? [] };
  const started: Emulator[] = [];
  try {
    const bentley = await startEmulator(bentleyEmulator, { ...common, port: bentleyPort });
    started.push(bentley);
    const autodesk = await startEmulator(autodeskEmulator, { ...common, port: autodeskPort });
    started.push(autodesk);
    const seequent = await startEmulator(seequentEmulator(bentley.verifyAccessToken), {
      ...common,
      port: seequentPort,
    });
    started.push(seequent);

    const hubUrls: EmulatorHubUrls = {
      bentley: bentley.url,
      autodesk: autodesk.url,
      seequent: seequent.url,
    };
    for (const emulator of started) emulator.context.hubUrls = hubUrls;

    return {
      bentley,
      autodesk,
      seequent,
      setWebRedirectUris(uris) {
        bentley.setWebRedirectUris(uris);
        autodesk.setWebRedirectUris(uris);
      },
      close: async () => {
        await Promise.all(started.map((e) => e.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((e) => e.close()));
    throw error;
  }
}
