/**
 * The presets as this hub offers them: in the sandbox each preset's endpoints and issuer are its emulator's,
 * so an integration created from a preset works there without typing a URL; outside the sandbox
 * (GATEHOUSE_SANDBOX=false) they are the real platforms' own.
 */
import type { HubConfig } from "../config/index.ts";
import { getPreset, listPresets, presetForBaseUrl, type ProviderPreset } from "../providers/index.ts";
import type { PresetView } from "../api/integrations.ts";
import { EMULATOR_DISPLAY_NAMES, SANDBOX_AUTH_SERVER, emulatorUrlsOf } from "./emulators.ts";

/** A preset as `GET /api/admin/providers` serves it (what the API promises, and the preset's own rules). */
export type HubPreset = ProviderPreset & PresetView;

type SandboxConfig = Pick<HubConfig, "sandbox" | "emulatorPorts">;

/** The preset `id` for this hub: moved to its emulator in the sandbox. Throws `unknown_provider` (400). */
export function hubPreset(config: SandboxConfig, id: string): HubPreset {
  const preset = getPreset(id);
  const emulator = SANDBOX_AUTH_SERVER[preset.id];
  const urls = config.sandbox ? emulatorUrlsOf(config) : null;
  if (!urls || !emulator) return { ...preset, sandbox: null };
  const url = urls[emulator];
  return {
    ...presetForBaseUrl(preset, url),
    sandbox: {
      emulator,
      url,
      message: `Sandbox: these point at the local ${EMULATOR_DISPLAY_NAMES[emulator]} (${url}).`,
      realIssuer: preset.defaults.issuer,
    },
  };
}

/** Every preset for this hub, generic first. */
export function hubPresets(config: SandboxConfig): HubPreset[] {
  return listPresets().map((preset) => hubPreset(config, preset.id));
}
