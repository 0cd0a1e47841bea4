import type { HubConfig } from "../config/index.ts";
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from "./sandbox/argv.ts";
import type { SandboxStatus } from "./sandbox/detect.ts";

export interface RuntimeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What every app process of a hub shares: the sandbox, and the limits the hub holds apps to. */
export interface AppRuntimeSettings {
  sandbox: SandboxStatus;
  /** The hub's data directory: no app directory may hold it (src/apps/appDir.ts). */
  hubDataDir: string | null;
  /** GATEHOUSE_APP_UID_BASE: a root hub runs app i as base + i. */
  uidBase: number;
  /** GATEHOUSE_APP_RESULT_MAX_BYTES. */
  resultMaxBytes: number;
  /** Heap cap of an app process (Node's --max-old-space-size), in MB. */
  heapMb: number;
  /** Node's permission model inside the sandbox (the second layer; tests turn it off to try the first). */
  languagePermissions: boolean;
  /** GATEHOUSE_PYTHON: the interpreter Python apps run with; null: /usr/bin/python3 where present, else python3. */
  python: string | null;
  limits?: SandboxLimits;
}

/** Heap cap of an app process: room for large provider answers, far from the host's memory. */
export const DEFAULT_APP_HEAP_MB = 512;

/** The settings app processes run with, from the hub's configuration and the sandbox found on this host. */
export function runtimeSettingsFor(
  config: Pick<HubConfig, "appResultMaxBytes" | "appUidBase" | "dataDir"> &
    Partial<Pick<HubConfig, "appPython">>,
  sandbox: SandboxStatus,
): AppRuntimeSettings {
  return {
    sandbox,
    hubDataDir: config.dataDir,
    uidBase: config.appUidBase,
    resultMaxBytes: config.appResultMaxBytes,
    heapMb: DEFAULT_APP_HEAP_MB,
    languagePermissions: true,
    python: config.appPython ?? null,
    limits: DEFAULT_SANDBOX_LIMITS,
  };
}
