import type { HubConfig } from "../config/index.ts";
import type { AppRuntimeSettings } from "./runtime.ts";
import { DEFAULT_SANDBOX_LIMITS } from "./sandbox/argv.ts";
import type { SandboxStatus } from "./sandbox/detect.ts";

/** Heap cap of an app process: room for large provider answers, far from the host's memory. */
export const DEFAULT_APP_HEAP_MB = 512;

/** The settings app processes run with, from the hub's configuration and the sandbox found on this host. */
export function runtimeSettingsFor(
  config: Pick<HubConfig, "appResultMaxBytes" | "appUidBase">,
  sandbox: SandboxStatus,
): AppRuntimeSettings {
  return {
    sandbox,
    uidBase: config.appUidBase,
    resultMaxBytes: config.appResultMaxBytes,
    heapMb: DEFAULT_APP_HEAP_MB,
    languagePermissions: true,
    limits: DEFAULT_SANDBOX_LIMITS,
  };
}
