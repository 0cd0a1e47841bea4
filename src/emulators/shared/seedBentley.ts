/**
 * What the Bentley emulator's iTwins, iModels and Access Control APIs serve. Deterministic: ids come from
 * names (stableUuid), timestamps from the seed epoch, so tests and example apps can rely on them.
 *
 * alice administers 14 iTwins (12 not Inactive, so `$top=5` pages three times), one of them with more iModels
 * than a small `$top`, one with none; bob is in nothing; carol is a Viewer (no `imodels_read`) on two of
 * alice's iTwins; the `sandbox-service` identity is a Reader on two.
 */
import { ALICE_ID, CAROL_ID, SERVICE_SUBJECT, seedDate, stableUuid } from "./seedIds.ts";

export const ITWIN_SUB_CLASSES = [
  "Account",
  "Asset",
  "Project",
  "Portfolio",
  "Program",
  "WorkPackage",
] as const;
export const ITWIN_CLASSES = ["Thing", "Endeavor", "Account"] as const;
export const ITWIN_STATUSES = ["Trial", "Active", "Inactive"] as const;
export const IMODEL_STATES = ["initialized", "notInitialized"] as const;
export type ITwinSubClass = (typeof ITWIN_SUB_CLASSES)[number];
export type ITwinClass = (typeof ITWIN_CLASSES)[number];
export type ITwinStatus = (typeof ITWIN_STATUSES)[number];

export interface SeedITwin {
  id: string;
  class: ITwinClass;
  subClass: ITwinSubClass;
  type: string | null;
  number: string;
  displayName: string;
  iTwinAccountId: string;
  geographicLocation: string | null;
  latitude: number | null;
  longitude: number | null;
  ianaTimeZone: string | null;
  dataCenterLocation: string;
  status: ITwinStatus;
  parentId: string | null;
  imageName: string | null;
  image: string | null;
  createdDateTime: string;
  createdBy: string;
  lastModifiedDateTime: string;
  lastModifiedBy: string;
}

export interface SeedIModel {
  id: string;
  iTwinId: string;
  name: string;
  displayName: string;
  description: string | null;
  state: (typeof IMODEL_STATES)[number];
  createdDateTime: string;
  lastChangesetPushDateTime: string | null;
  dataCenterLocation: string;
  containersEnabled: number;
  extent: {
    southWest: { latitude: number; longitude: number };
    northEast: { latitude: number; longitude: number };
  } | null;
  creatorId: string;
  /** When set, only these subjects see the iModel; everyone else has it left out of lists. */
  visibleTo?: string[];
}

export const PERMISSIONS = [
  "itwins_read",
  "itwins_create",
  "itwins_modify",
  "imodels_webview",
  "imodels_read",
  "imodels_write",
  "imodels_manage",
  "imodels_delete",
  "administration_manage_roles",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface SeedRole {
  id: string;
  displayName: string;
  description: string;
  permissions: Permission[];
}

export const ROLE_NAMES = ["Administrator", "Reader", "Viewer"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface BentleySeed {
  iTwins: SeedITwin[];
  iModels: SeedIModel[];
  /** iTwin id → the roles defined on it. */
  rolesByITwin: Map<string, SeedRole[]>;
  /** iTwin id → subject (user id or service client id) → role name. */
  membersByITwin: Map<string, Map<string, RoleName>>;
}

const ROLE_PERMISSIONS: Record<RoleName, { description: string; permissions: Permission[] }> = {
  Administrator: {
    description: "Full access to the iTwin and its iModels, including role management.",
    // Every permission on the iTwin; creating iTwins belongs to the account, not to a role on one.
    permissions: PERMISSIONS.filter((permission) => permission !== "itwins_create"),
  },
  Reader: {
    description: "Reads the iTwin and downloads its iModels.",
    permissions: ["itwins_read", "imodels_webview", "imodels_read"],
  },
  Viewer: {
    description: "Views iModels in the web viewer only; cannot list or download them.",
    permissions: ["itwins_read", "imodels_webview"],
  },
};

export { ALICE_ID, BOB_ID, CAROL_ID } from "./seedIds.ts";

export const ACCOUNT_ITWIN_ID = stableUuid("bentley:itwin:account:anders-engineering");

interface ITwinSpec {
  key: string;
  displayName: string;
  subClass: ITwinSubClass;
  type: string;
  status: ITwinStatus;
  location: [string, number, number, string];
  iModels: string[];
}

const EXTON: [string, number, number, string] = ["Exton, PA, USA", 40.0289, -75.6207, "America/New_York"];
const LONDON: [string, number, number, string] = ["London, UK", 51.5072, -0.1276, "Europe/London"];
const PERTH: [string, number, number, string] = [
  "Perth, WA, Australia",
  -31.9523,
  115.8613,
  "Australia/Perth",
];

const ITWIN_SPECS: ITwinSpec[] = [
  {
    key: "harbor-bridge",
    displayName: "Harbor Bridge Retrofit",
    subClass: "Project",
    type: "Bridge",
    status: "Active",
    location: EXTON,
    iModels: ["Deck", "Piers", "Cables", "Approach Spans", "Drainage", "Lighting", "Contractor Markup"],
  },
  {
    key: "northgate-rail",
    displayName: "Northgate Rail Extension",
    subClass: "Project",
    type: "Rail",
    status: "Active",
    location: LONDON,
    iModels: ["Track Alignment", "Stations"],
  },
  {
    key: "riverside-water",
    displayName: "Riverside Water Treatment",
    subClass: "Project",
    type: "Water",
    status: "Trial",
    location: EXTON,
    iModels: ["Process Plant"],
  },
  {
    key: "summit-tower",
    displayName: "Summit Tower",
    subClass: "Project",
    type: "Building",
    status: "Active",
    location: LONDON,
    iModels: ["Architecture", "Structure", "MEP"],
  },
  {
    key: "coastal-highway",
    displayName: "Coastal Highway Upgrade",
    subClass: "Project",
    type: "Road",
    status: "Inactive",
    location: PERTH,
    iModels: ["Corridor"],
  },
  {
    key: "eastfield-substation",
    displayName: "Eastfield Substation",
    subClass: "Asset",
    type: "Substation",
    status: "Active",
    location: EXTON,
    iModels: ["Switchyard"],
  },
  {
    key: "pine-ridge-dam",
    displayName: "Pine Ridge Dam",
    subClass: "Asset",
    type: "Dam",
    status: "Active",
    location: PERTH,
    iModels: ["Spillway", "Reservoir Survey"],
  },
  {
    key: "metro-line-4",
    displayName: "Metro Line 4 Tunnels",
    subClass: "Project",
    type: "Tunnel",
    status: "Active",
    location: LONDON,
    iModels: ["Bored Tunnels"],
  },
  {
    key: "airport-terminal-b",
    displayName: "Airport Terminal B",
    subClass: "Project",
    type: "Building",
    status: "Active",
    location: EXTON,
    iModels: ["Terminal Building", "Apron"],
  },
  {
    key: "wind-farm-delta",
    displayName: "Wind Farm Delta",
    subClass: "Project",
    type: "Energy",
    status: "Trial",
    location: PERTH,
    iModels: ["Turbine Layout"],
  },
  {
    key: "old-mill",
    displayName: "Old Mill Redevelopment",
    subClass: "Project",
    type: "Building",
    status: "Inactive",
    location: LONDON,
    iModels: ["Existing Conditions"],
  },
  {
    key: "lakeshore-campus",
    displayName: "Lakeshore Campus",
    subClass: "Project",
    type: "Campus",
    status: "Active",
    location: EXTON,
    iModels: ["Site Plan", "Library"],
  },
  {
    key: "valley-pipeline",
    displayName: "Valley Pipeline",
    subClass: "Asset",
    type: "Pipeline",
    status: "Active",
    location: PERTH,
    iModels: ["Pipeline Route"],
  },
  {
    key: "empty-lot",
    displayName: "Empty Lot Survey",
    subClass: "Project",
    type: "Survey",
    status: "Active",
    location: EXTON,
    iModels: [],
  },
];

/** Stable ids of the seeded iTwins, by short key, for tests and examples. */
export function seedITwinId(key: string): string {
  return stableUuid(`bentley:itwin:${key}`);
}

function classOf(subClass: ITwinSubClass): ITwinClass {
  if (subClass === "Account") return "Account";
  if (subClass === "Asset") return "Thing";
  return "Endeavor";
}

function buildSeed(): BentleySeed {
  const iTwins: SeedITwin[] = [];
  const iModels: SeedIModel[] = [];
  const rolesByITwin = new Map<string, SeedRole[]>();
  const membersByITwin = new Map<string, Map<string, RoleName>>();

  ITWIN_SPECS.forEach((spec, index) => {
    const id = seedITwinId(spec.key);
    const [place, latitude, longitude, timeZone] = spec.location;
    const created = seedDate(index * 7);
    iTwins.push({
      id,
      class: classOf(spec.subClass),
      subClass: spec.subClass,
      type: spec.type,
      number: `AE-${String(1001 + index)}`,
      displayName: spec.displayName,
      iTwinAccountId: ACCOUNT_ITWIN_ID,
      geographicLocation: place,
      latitude,
      longitude,
      ianaTimeZone: timeZone,
      dataCenterLocation: timeZone.startsWith("Europe")
        ? "UK South"
        : timeZone.startsWith("Australia")
          ? "Australia East"
          : "East US",
      status: spec.status,
      parentId: ACCOUNT_ITWIN_ID,
      imageName: null,
      image: null,
      createdDateTime: created,
      createdBy: ALICE_ID,
      lastModifiedDateTime: seedDate(index * 7 + 3, 5),
      lastModifiedBy: ALICE_ID,
    });

    rolesByITwin.set(
      id,
      (Object.keys(ROLE_PERMISSIONS) as RoleName[]).map((name) => ({
        id: stableUuid(`bentley:role:${spec.key}:${name}`),
        displayName: name,
        description: ROLE_PERMISSIONS[name].description,
        permissions: [...ROLE_PERMISSIONS[name].permissions],
      })),
    );
    membersByITwin.set(id, new Map([[ALICE_ID, "Administrator"]]));

    spec.iModels.forEach((name, modelIndex) => {
      const pushed = modelIndex % 3 !== 2;
      iModels.push({
        id: stableUuid(`bentley:imodel:${spec.key}:${name}`),
        iTwinId: id,
        name: `${spec.displayName} - ${name}`,
        displayName: `${spec.displayName} - ${name}`,
        description: `${name} model of ${spec.displayName}.`,
        state: pushed ? "initialized" : "notInitialized",
        createdDateTime: seedDate(index * 7 + 1, modelIndex),
        lastChangesetPushDateTime: pushed ? seedDate(index * 7 + 2, modelIndex) : null,
        dataCenterLocation: "East US",
        containersEnabled: 0,
        extent: pushed
          ? {
              southWest: { latitude: latitude - 0.01, longitude: longitude - 0.01 },
              northEast: { latitude: latitude + 0.01, longitude: longitude + 0.01 },
            }
          : null,
        creatorId: ALICE_ID,
        // One model shared with the service only: lists leave it out for alice instead of failing.
        ...(name === "Contractor Markup" ? { visibleTo: [SERVICE_SUBJECT] } : {}),
      });
    });
  });

  for (const key of ["summit-tower", "airport-terminal-b"]) {
    membersByITwin.get(seedITwinId(key))!.set(CAROL_ID, "Viewer");
  }
  for (const key of ["harbor-bridge", "northgate-rail"]) {
    membersByITwin.get(seedITwinId(key))!.set(SERVICE_SUBJECT, "Reader");
  }
  return { iTwins, iModels, rolesByITwin, membersByITwin };
}

/** A fresh copy of the seed (each emulator instance gets its own). */
export function createBentleySeed(): BentleySeed {
  return buildSeed();
}
