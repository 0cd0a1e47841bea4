/**
 * The offline stand-ins for Bentley, Autodesk and Seequent, started together: each on its own port,
 * Seequent trusting Bentley's tokens, every API plugin told where the other two live, and all of them
 * keeping their state (grants, refresh tokens, keys, revocations, seed data) in one place — the data
 * directory when given, so a restart on the same ports forgets nothing.
 */
import { autodeskEmulator } from "./autodesk/emulator.ts";
import { bentleyEmulator } from "./bentley/emulator.ts";
import { seequentEmulator } from "./seequent/server.ts";
import type { EmulatorHubUrls } from "./shared/context.ts";
import { startEmulator, type Emulator } from "./shared/emulatorServer.ts";
import { openEmulatorState, type EmulatorState } from "./state/index.ts";

export type { Emulator, EmulatorName } from "./shared/emulatorServer.ts";
export { startEmulator } from "./shared/emulatorServer.ts";
export type { EmulatorContext, EmulatorHubUrls } from "./shared/context.ts";
export type { EmulatorKnobs, KnobPatch, KnobSettings, InjectedFailure } from "./shared/knobs.ts";
export type { EmulatorStats } from "./shared/stats.ts";
export type { ClientDescription } from "./shared/clients.ts";
export { createTokenVerifier } from "./shared/tokenVerifier.ts";
export { EmulatorStateError, openEmulatorState, type EmulatorState } from "./state/index.ts";
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
  /**
   * Where the emulators keep their state (created 0700 when missing; files 0600). Absent: in memory,
   * gone when they stop — what the in-process test emulators use.
   */
  dataDir?: string;
}

export interface Emulators {
  bentley: Emulator;
  autodesk: Emulator;
  seequent: Emulator;
  /** Replaces `sandbox-web`'s redirect URIs on both authorization servers. */
  setWebRedirectUris(uris: readonly string[]): void;
  /** The absolute data directory, or null when the state is in memory. */
  readonly dataDir: string | null;
  close(): Promise<void>;
}

/** Starts all three emulators; if one fails to start, the ones already running are closed. */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  const [bentleyPort, autodeskPort, seequentPort] = options.ports ?? DEFAULT_EMULATOR_PORTS;
  const state: EmulatorState = openEmulatorState({ dataDir: options.dataDir });
  const common = {
    host: options.host ?? "127.0.0.1",
    webRedirectUris: options.webRedirectUris ?? [],
    state,
  };
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
      dataDir: state.dataDir,
      close: async () => {
        await Promise.all(started.map((e) => e.close()));
        state.close();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((e) => e.close()));
    state.close();
    throw error;
  }
}
