/**
 * Everything the emulators must not forget across a restart, in one place: per authorization server its
 * oidc-provider storage, its deny list of revoked access tokens and its keys; and the seed data the APIs
 * serve. With a data directory it all lives there (0700, files 0600); without one, in memory.
 *
 *   const state = openEmulatorState({ dataDir: "./data/emulators" });
 *   const bentley = await state.authServer("bentley", clients);   // adapter, revocations, keys
 *   state.seeds.bentley;                                          // what the iTwins API serves
 *   state.close();
 *
 * Knobs and stats are not state: they are test and debugging controls, back to their defaults on every start.
 */
import { resolve } from "node:path";
import type { AdapterFactory } from "oidc-provider";
import { openStateDatabase, type Clock, type StateDatabase } from "./database.ts";
import { sqliteAdapterFactory, type ClientDirectory } from "./oidcAdapter.ts";
import { revocationList, type RevocationList } from "./revocationList.ts";
import { loadSeeds, type EmulatorSeeds } from "./seedFiles.ts";
import { loadServerKeys, type ServerKeys } from "./serverKeys.ts";

export type { RevocationList } from "./revocationList.ts";
export type { EmulatorSeeds } from "./seedFiles.ts";
export type { ServerKeys } from "./serverKeys.ts";
export type { ClientDirectory } from "./oidcAdapter.ts";
export { EmulatorStateError } from "./privateFiles.ts";

/** Moves the state's clock for one server (the emulator's clock knob): `now(stateNow)` in epoch ms. */
export interface ServerClock {
  now(stateNow: number): number;
}

/** One authorization server's persistent parts. */
export interface AuthServerState {
  adapter: AdapterFactory;
  revoked: RevocationList;
  keys: ServerKeys;
}

export interface EmulatorState {
  /** The absolute data directory, or null when the state is in memory. */
  readonly dataDir: string | null;
  readonly seeds: EmulatorSeeds;
  /**
   * The storage of the authorization server named `server` (its keys are generated on first use); with
   * `clock`, its models expire by that clock rather than the state's.
   */
  authServer(server: string, clients: ClientDirectory, clock?: ServerClock): Promise<AuthServerState>;
  /** Deletes expired rows now (it also happens at open and every few hundred writes). */
  prune(): { models: number; revokedTokens: number };
  close(): void;
}

export interface EmulatorStateOptions {
  /** Where the state lives; absent: in memory, gone with the process. */
  dataDir?: string;
  /** Test clock for expiry and pruning (epoch ms). */
  now?: Clock;
}

export function openEmulatorState(options: EmulatorStateOptions = {}): EmulatorState {
  const dataDir = options.dataDir === undefined ? null : resolve(options.dataDir);
  const database: StateDatabase = openStateDatabase(dataDir, options.now);
  let seeds: EmulatorSeeds;
  try {
    seeds = loadSeeds(dataDir);
  } catch (error) {
    database.close();
    throw error;
  }
  return {
    dataDir,
    seeds,
    async authServer(server, clients, clock) {
      const now: Clock = clock ? () => clock.now(database.now()) : database.now;
      return {
        adapter: sqliteAdapterFactory(database, server, clients, now),
        revoked: revocationList(database, server),
        keys: await loadServerKeys(database, server),
      };
    },
    prune: () => database.prune(),
    close: () => database.close(),
  };
}
