/**
 * What the Autodesk emulator's Data Management API serves: hubs and their projects. Deterministic ids:
 * ACC/BIM 360 hubs and projects are `b.<uuid>`, Autodesk Team (core) and personal hubs `a.<base64>`,
 * as on the real platform.
 *
 * alice: an ACC hub with 7 projects (pages at a small `page[limit]`) and a Team hub with 2; bob: no hub,
 * and the answer carries the BIM360DM_ERROR warning a missing ACC custom integration produces; carol:
 * a personal hub with one project; `sandbox-service` (two-legged) is provisioned on the ACC hub.
 */
import { ALICE_ID, BOB_ID, CAROL_ID, SERVICE_SUBJECT, seedDate, stableUuid } from "./seedIds.ts";

export const HUB_EXTENSION_TYPES = [
  "hubs:autodesk.bim360:Account",
  "hubs:autodesk.core:Hub",
  "hubs:autodesk.a360:PersonalHub",
] as const;
export const PROJECT_EXTENSION_TYPES = [
  "projects:autodesk.bim360:Project",
  "projects:autodesk.core:Project",
  "projects:autodesk.a360:PersonalProject",
] as const;
export const HUB_REGIONS = ["US", "EMEA", "APAC", "AUS", "CAN", "DEU", "IND", "JPN", "GBR"] as const;
export const ACC_PROJECT_TYPES = ["ACC", "BIM360"] as const;
export type HubExtensionType = (typeof HUB_EXTENSION_TYPES)[number];
export type ProjectExtensionType = (typeof PROJECT_EXTENSION_TYPES)[number];
export type HubRegion = (typeof HUB_REGIONS)[number];

export interface SeedProject {
  id: string;
  name: string;
  extensionType: ProjectExtensionType;
  /** ACC / BIM 360 projects: "ACC" or "BIM360"; absent for other hubs. */
  projectType?: (typeof ACC_PROJECT_TYPES)[number];
  rootFolderId: string;
  scopes: string[];
  createdAt: string;
}

export interface SeedHub {
  id: string;
  name: string;
  region: HubRegion;
  extensionType: HubExtensionType;
  /** Subjects (user ids, or the service client id for two-legged tokens) who see this hub. */
  members: string[];
  projects: SeedProject[];
}

export interface AutodeskSeed {
  hubs: SeedHub[];
  /**
   * Subjects whose hub list carries the BIM360DM_ERROR warning: their account has an ACC hub the
   * calling app is not provisioned for (the "ACC custom integration missing" case).
   */
  missingIntegration: { subject: string; region: HubRegion }[];
}

const base64Id = (text: string): string => `a.${Buffer.from(text).toString("base64url")}`;

function accProject(
  hubKey: string,
  name: string,
  index: number,
  type: "ACC" | "BIM360" = "ACC",
): SeedProject {
  const uuid = stableUuid(`autodesk:project:${hubKey}:${name}`);
  return {
    id: `b.${uuid}`,
    name,
    extensionType: "projects:autodesk.bim360:Project",
    projectType: type,
    rootFolderId: `urn:adsk.wipprod:fs.folder:co.${stableUuid(`autodesk:folder:${hubKey}:${name}`).slice(0, 22)}`,
    scopes: [`b360project.${uuid}`, "global"],
    createdAt: seedDate(index * 5),
  };
}

function coreProject(hubKey: string, name: string, index: number, personal = false): SeedProject {
  const stamp = `2024011${index}0${String(100000 + index * 7919)}`;
  return {
    id: base64Id(`${hubKey}#${stamp}`),
    name,
    extensionType: personal ? "projects:autodesk.a360:PersonalProject" : "projects:autodesk.core:Project",
    rootFolderId: `urn:adsk.wipprod:fs.folder:co.${stableUuid(`autodesk:folder:${hubKey}:${name}`).slice(0, 22)}`,
    scopes: ["global"],
    createdAt: seedDate(index * 5),
  };
}

export const ACC_HUB_ID = `b.${stableUuid("autodesk:hub:anders-acc")}`;
export const TEAM_HUB_ID = base64Id("business:andersteam");
export const CAROL_HUB_ID = base64Id("personal:carolcastro");

function buildSeed(): AutodeskSeed {
  const accProjects = [
    "Harbor Bridge Retrofit",
    "Northgate Rail Extension",
    "Summit Tower",
    "Airport Terminal B",
    "Lakeshore Campus",
    "Metro Line 4 Tunnels",
    "Legacy Depot (BIM 360)",
  ].map((name, i) => accProject("anders-acc", name, i, name.includes("BIM 360") ? "BIM360" : "ACC"));
  return {
    hubs: [
      {
        id: ACC_HUB_ID,
        name: "Anders Engineering",
        region: "US",
        extensionType: "hubs:autodesk.bim360:Account",
        members: [ALICE_ID, SERVICE_SUBJECT],
        projects: accProjects,
      },
      {
        id: TEAM_HUB_ID,
        name: "Anders Design Team",
        region: "EMEA",
        extensionType: "hubs:autodesk.core:Hub",
        members: [ALICE_ID],
        projects: [
          coreProject("business:andersteam", "Concept Studies", 1),
          coreProject("business:andersteam", "Fabrication Details", 2),
        ],
      },
      {
        id: CAROL_HUB_ID,
        name: "Carol Castro's Hub",
        region: "US",
        extensionType: "hubs:autodesk.a360:PersonalHub",
        members: [CAROL_ID],
        projects: [coreProject("personal:carolcastro", "My First Project", 3, true)],
      },
    ],
    missingIntegration: [{ subject: BOB_ID, region: "US" }],
  };
}

/** A fresh copy of the seed (each emulator instance gets its own). */
export function createAutodeskSeed(): AutodeskSeed {
  return buildSeed();
}
