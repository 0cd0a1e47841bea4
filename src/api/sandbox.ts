/** The sandbox's emulators and the app sandbox's state, as admins are shown them. */
import type { ProviderId } from "./integrations.ts";

export type EmulatorName = "bentley" | "autodesk" | "seequent";

/** One emulator's endpoints, for the wizard's Generic step. */
export interface EmulatorEndpoints {
  name: EmulatorName;
  displayName: string;
  /** Base URL; also the issuer of its authorization server, when it has one. */
  url: string;
  /** Null when the emulator has no authorization server (Seequent: tokens come from the Bentley one). */
  authorizationUrl: string | null;
  tokenUrl: string | null;
  revocationUrl: string | null;
  introspectionUrl: string | null;
  issuer: string | null;
  /** The real API hosts it answers for, e.g. "https://api.bentley.com". */
  apiBaseUrls: string[];
  /** The presets that sign in here. */
  signInFor: ProviderId[];
}

/** `GET /api/admin/sandbox`. */
export interface SandboxInfo {
  sandbox: boolean;
  emulators: EmulatorEndpoints[];
  /** The emulators' seeded clients (sandbox only). */
  clients?: {
    web: { clientId: string; clientSecret: string };
    service: { clientId: string; clientSecret: string };
  };
}

/** Whether apps run in the OS sandbox (`GET /api/admin/apps/sandbox`). */
export interface SandboxSummary {
  /** Apps run sandboxed. */
  active: boolean;
  setting: "auto" | "required" | "off";
  /** "root": a root hub, apps dropped to their own uid; "user": the hub's own uid in a user namespace. */
  mode: "root" | "user" | null;
  /** What admins are shown when apps are not sandboxed; null when they are. */
  warning: string | null;
}
