/**
 * What the sandbox knows about its emulators without loading them: where each listens (from
 * `config.emulatorPorts`, which `gatehouse start` fills with the real ports once they listen), which preset's
 * sign-in each one plays, and their endpoints as a new user needs them (printed at start, listed on the
 * wizard's Generic step).
 */
import type { HubConfig } from "../config/index.ts";
import type { ProviderId } from "../api/integrations.ts";
import type { EmulatorEndpoints, EmulatorName } from "../api/sandbox.ts";
import { getPreset, presetForBaseUrl } from "../providers/index.ts";

export type { EmulatorEndpoints, EmulatorName } from "../api/sandbox.ts";

/** Base URLs of the three emulators (their authorization servers live at the root). */
export interface EmulatorUrls {
  bentley: string;
  autodesk: string;
  seequent: string;
}

/** The clients every emulated authorization server registers (seeded into the sandbox integrations). */
export const SANDBOX_WEB_CLIENT = { clientId: "sandbox-web", clientSecret: "sandbox-web-secret" } as const;
export const SANDBOX_SERVICE_CLIENT = {
  clientId: "sandbox-service",
  clientSecret: "sandbox-service-secret",
} as const;
/** The hub's own sign-in client at the Bentley emulator (the sandbox's identity provider). */
export const SANDBOX_SIGNIN_CLIENT = {
  clientId: "sandbox-signin",
  clientSecret: "sandbox-signin-secret",
} as const;

/** The emulators listen on loopback only; `startSandboxEmulators` binds them here. */
export const EMULATOR_HOST = "127.0.0.1";

/** Their order in GATEHOUSE_EMULATOR_PORTS. */
const PORT_ORDER: readonly EmulatorName[] = ["bentley", "autodesk", "seequent"];

export const EMULATOR_DISPLAY_NAMES: Readonly<Record<EmulatorName, string>> = {
  bentley: "Bentley emulator",
  autodesk: "Autodesk emulator",
  seequent: "Seequent emulator",
};

/**
 * Which emulator a preset signs in at, in the sandbox. Seequent Evo signs in through Bentley IMS (as on the
 * real platforms), so its authorization server is the Bentley emulator; generic has none.
 */
export const SANDBOX_AUTH_SERVER: Readonly<
  Record<Exclude<ProviderId, "generic">, EmulatorName> & { generic: null }
> = {
  generic: null,
  "bentley-itwin": "bentley",
  "autodesk-aps": "autodesk",
  "seequent-evo": "bentley",
};

/** The preset whose endpoint paths an emulator's authorization server answers (null: it has none). */
const AUTH_PROFILE: Readonly<Record<EmulatorName, ProviderId | null>> = {
  bentley: "bentley-itwin",
  autodesk: "autodesk-aps",
  seequent: null,
};

/** The preset whose real API hosts an emulator stands in for (the apps' host mapping sends them there). */
const API_PROFILE: Readonly<Record<EmulatorName, ProviderId>> = {
  bentley: "bentley-itwin",
  autodesk: "autodesk-aps",
  seequent: "seequent-evo",
};

/** The emulators' base URLs for `config.emulatorPorts`; null when a port is still 0 (not started). */
export function emulatorUrlsOf(config: Pick<HubConfig, "emulatorPorts">): EmulatorUrls | null {
  const urls: Partial<EmulatorUrls> = {};
  for (const [index, name] of PORT_ORDER.entries()) {
    const port = config.emulatorPorts[index];
    if (!port) return null;
    urls[name] = `http://${EMULATOR_HOST}:${port}`;
  }
  return urls as EmulatorUrls;
}

const orNull = (value: string): string | null => (value === "" ? null : value);

/** Every emulator's endpoints at `urls`, in GATEHOUSE_EMULATOR_PORTS order. */
export function emulatorEndpoints(urls: EmulatorUrls): EmulatorEndpoints[] {
  return PORT_ORDER.map((name) => {
    const profile = AUTH_PROFILE[name];
    const defaults = profile ? presetForBaseUrl(getPreset(profile), urls[name]).defaults : null;
    return {
      name,
      displayName: EMULATOR_DISPLAY_NAMES[name],
      url: urls[name],
      authorizationUrl: defaults ? orNull(defaults.authorizationUrl) : null,
      tokenUrl: defaults ? orNull(defaults.tokenUrl) : null,
      revocationUrl: defaults ? orNull(defaults.revocationUrl) : null,
      introspectionUrl: defaults ? orNull(defaults.introspectionUrl) : null,
      issuer: defaults ? orNull(defaults.issuer) : null,
      apiBaseUrls: [...getPreset(API_PROFILE[name]).apiBaseUrls],
      signInFor: (Object.keys(SANDBOX_AUTH_SERVER) as ProviderId[]).filter(
        (id) => SANDBOX_AUTH_SERVER[id] === name,
      ),
    };
  });
}

/** The endpoints as indented text lines (the start banner; `gatehouse dev` prints the same). */
export function describeEmulatorEndpoints(urls: EmulatorUrls): string[] {
  const lines: string[] = [];
  for (const e of emulatorEndpoints(urls)) {
    const serves = e.apiBaseUrls.map((base) => new URL(base.replace("*.", "x.")).host.replace(/^x\./, "*."));
    lines.push(`  ${e.displayName}: ${e.url}  (API for ${serves.join(", ")})`);
    if (e.issuer) {
      lines.push(`    issuer            ${e.issuer}`);
      lines.push(`    authorization URL ${e.authorizationUrl}`);
      lines.push(`    token URL         ${e.tokenUrl}`);
      if (e.revocationUrl) lines.push(`    revocation URL    ${e.revocationUrl}`);
      if (e.introspectionUrl) lines.push(`    introspection URL ${e.introspectionUrl}`);
    } else {
      lines.push("    sign-in: at the Bentley emulator (Evo tokens come from Bentley IMS)");
    }
  }
  return lines;
}
