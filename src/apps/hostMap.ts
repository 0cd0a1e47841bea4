import type { HubConfig } from "../config/index.ts";
import { getPreset, type ProviderId } from "../providers/index.ts";

/** Which emulator (by its place in GATEHOUSE_EMULATOR_PORTS) serves which preset's real API hosts. */
const EMULATOR_FOR: readonly [ProviderId, number][] = [
  ["bentley-itwin", 0],
  ["autodesk-aps", 1],
  ["seequent-evo", 2],
];

/**
 * The mapping the SDK's `resolveUrl` applies in app processes: in the sandbox, each preset's real API hosts
 * (api.bentley.com, developer.api.autodesk.com, api.userprofile.autodesk.com, discover.api.seequent.com,
 * *.api.seequent.com) → the matching emulator on 127.0.0.1; outside the sandbox, nothing (apps talk to
 * the real platforms).
 * Read per invocation, so a hub whose emulators bound port 0 can set the ports after start.
 */
export function apiHostMap(config: Pick<HubConfig, "sandbox" | "emulatorPorts">): Record<string, string> {
  if (!config.sandbox) return {};
  const map: Record<string, string> = {};
  for (const [provider, index] of EMULATOR_FOR) {
    const port = config.emulatorPorts[index];
    if (!port) continue;
    for (const base of getPreset(provider).apiBaseUrls)
      map[new URL(base.replace("*.", "wildcard.")).hostname.replace(/^wildcard\./, "*.")] =
        `http://127.0.0.1:${port}`;
  }
  return map;
}
