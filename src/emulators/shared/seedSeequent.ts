/**
 * What the Seequent emulator's Evo discovery and workspace APIs serve: one organisation on one hub, and
 * its workspaces with each member's role.
 *
 * alice: 12 workspaces (pages at `limit=5`), as owner, editor or viewer; bob: no organisation (the empty
 * discovery answer); carol: viewer on two; `sandbox-service`: editor on two.
 */
import { emulatorUsers } from "./users.ts";
import { ALICE_ID, CAROL_ID, SERVICE_SUBJECT, seedDate, stableUuid } from "./seedIds.ts";

export const WORKSPACE_ROLES = ["owner", "editor", "viewer"] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export interface SeedPerson {
  id: string;
  name: string;
  email: string;
}

export interface SeedWorkspace {
  id: string;
  name: string;
  description: string;
  boundingBox: { type: "Polygon"; coordinates: number[][][] } | null;
  createdAt: string;
  updatedAt: string;
  createdBy: SeedPerson;
  updatedBy: SeedPerson;
  defaultCoordinateSystem: string;
  labels: string[];
  mlEnabled: boolean;
  /** Subject (user id or service client id) → role. */
  members: Map<string, WorkspaceRole>;
}

export interface SeedOrganization {
  id: string;
  displayName: string;
  hubCode: string;
  members: string[];
  workspaces: SeedWorkspace[];
}

export interface SeedEvoHub {
  code: string;
  displayName: string;
}

export interface SeequentSeed {
  hubs: SeedEvoHub[];
  organizations: SeedOrganization[];
  services: { code: string; displayName: string }[];
}

export const EVO_HUB_CODE = "sandbox";
export const EVO_ORG_ID = stableUuid("seequent:org:anders-geoscience");

function person(id: string): SeedPerson {
  const user = emulatorUsers.find((u) => u.id === id);
  if (!user) throw new Error(`seed refers to unknown user ${id}`);
  return { id: user.id, name: `${user.givenName} ${user.familyName}`, email: user.email };
}

const WORKSPACES: {
  name: string;
  aliceRole: WorkspaceRole;
  labels: string[];
  box?: [number, number, number, number];
}[] = [
  {
    name: "Aurora Gold Resource Model",
    aliceRole: "owner",
    labels: ["gold", "resource"],
    box: [121.4, -30.8, 121.6, -30.6],
  },
  { name: "Basin Hydrogeology", aliceRole: "owner", labels: ["groundwater"] },
  {
    name: "Copper Ridge Exploration",
    aliceRole: "editor",
    labels: ["copper", "exploration"],
    box: [-70.2, -24.1, -70.0, -23.9],
  },
  { name: "Dam Foundation Investigation", aliceRole: "owner", labels: ["geotechnical"] },
  { name: "Eastern Tailings Storage", aliceRole: "viewer", labels: [] },
  { name: "Fault Zone Interpretation", aliceRole: "editor", labels: ["structural"] },
  {
    name: "Geothermal Prospect North",
    aliceRole: "owner",
    labels: ["geothermal"],
    box: [176.0, -38.7, 176.3, -38.5],
  },
  { name: "Haul Road Geotech", aliceRole: "editor", labels: [] },
  { name: "Iron Valley Grade Control", aliceRole: "owner", labels: ["iron", "grade-control"] },
  { name: "Jade Creek Drilling 2024", aliceRole: "viewer", labels: ["drilling"] },
  { name: "Karst Mapping", aliceRole: "owner", labels: [] },
  {
    name: "Lithium Brine Study",
    aliceRole: "editor",
    labels: ["lithium"],
    box: [-67.6, -23.6, -67.2, -23.3],
  },
];

function buildSeed(): SeequentSeed {
  const alice = person(ALICE_ID);
  const workspaces = WORKSPACES.map((spec, index): SeedWorkspace => {
    const members = new Map<string, WorkspaceRole>([[ALICE_ID, spec.aliceRole]]);
    if (index === 0 || index === 4) members.set(CAROL_ID, "viewer");
    if (index === 0 || index === 2) members.set(SERVICE_SUBJECT, "editor");
    const box = spec.box;
    return {
      id: stableUuid(`seequent:workspace:${spec.name}`),
      name: spec.name,
      description: `${spec.name} (sandbox data).`,
      boundingBox: box
        ? {
            type: "Polygon",
            coordinates: [
              [
                [box[0], box[1]],
                [box[2], box[1]],
                [box[2], box[3]],
                [box[0], box[3]],
                [box[0], box[1]],
              ],
            ],
          }
        : null,
      createdAt: seedDate(index * 3),
      updatedAt: seedDate(index * 3 + 2, 4),
      createdBy: alice,
      updatedBy: alice,
      defaultCoordinateSystem: box ? "EPSG:4326" : "",
      labels: spec.labels,
      mlEnabled: index % 4 === 0,
      members,
    };
  });
  return {
    hubs: [{ code: EVO_HUB_CODE, displayName: "Sandbox" }],
    organizations: [
      {
        id: EVO_ORG_ID,
        displayName: "Anders Geoscience",
        hubCode: EVO_HUB_CODE,
        members: [ALICE_ID, CAROL_ID, SERVICE_SUBJECT],
        workspaces,
      },
    ],
    services: [{ code: "evo", displayName: "Evo" }],
  };
}

/** A fresh copy of the seed (each emulator instance gets its own). */
export function createSeequentSeed(): SeequentSeed {
  return buildSeed();
}
