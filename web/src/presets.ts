import type { ProviderPreset } from "./types.ts";

/** The order and names the wizard shows, whatever order the hub lists its presets in. */
const order = ["generic", "bentley-itwin", "autodesk-aps", "seequent-evo"];
const friendly: Record<string, string> = {
  generic: "Generic OAuth 2.0",
  "bentley-itwin": "Bentley iTwin",
  "autodesk-aps": "Autodesk Platform Services",
  "seequent-evo": "Seequent Evo",
};
const blurbs: Record<string, string> = {
  generic: "Any OAuth 2.0 authorization server: enter the endpoints yourself.",
  "bentley-itwin": "iTwins, iModels and the iTwin Platform APIs, signed in through Bentley IMS.",
  "autodesk-aps": "ACC and BIM 360 hubs and projects through Autodesk Platform Services.",
  "seequent-evo": "Evo workspaces and geoscience objects, signed in through Bentley IMS.",
};

export function sortPresets(presets: ProviderPreset[]): ProviderPreset[] {
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return [...presets].sort((a, b) => rank(a.id) - rank(b.id));
}

export function softwareName(id: string, presets?: ProviderPreset[]): string {
  return friendly[id] ?? presets?.find((p) => p.id === id)?.displayName ?? id;
}

export function softwareBlurb(preset: ProviderPreset): string {
  return blurbs[preset.id] ?? preset.displayName;
}

export function grantName(grant: string): string {
  if (grant === "authorization_code") return "Authorization code (each user)";
  if (grant === "client_credentials") return "Client credentials (service)";
  return grant;
}
