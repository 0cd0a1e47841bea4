/**
 * The presets as this hub offers them: in the sandbox each preset's endpoints and issuer are its emulator's,
 * so an integration created from a preset works there without typing a URL; outside the sandbox
 * (GATEHOUSE_SANDBOX=false) they are the real platforms' own.
 */
import type { HubConfig } from "../config/index.ts";
import { getPreset, listPresets, presetForBaseUrl, type ProviderPreset } from "../providers/index.ts";
import {
  EMULATOR_DISPLAY_NAMES,
  SANDBOX_AUTH_SERVER,
  emulatorUrlsOf,
  type EmulatorName,
} from "./emulators.ts";

/** Says where a sandbox preset points, for the wizard. */
export interface SandboxNote {
  emulator: EmulatorName;
  url: string;
  /** "Sandbox: these point at the local Bentley emulator (http://127.0.0.1:8091)." */
  message: string;
  /** The real platform's issuer the preset has outside the sandbox. */
  realIssuer: string;
}

/** A preset as `GET /api/admin/providers` serves it. */
export type HubPreset = ProviderPreset & { sandbox: SandboxNote | null };

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
