/**
 * The seed data as JSON, for the files in `<data dir>/seed/`: one schema per platform, checked when a
 * file is read (a developer may edit it), and the conversions between the in-memory seed (which keys
 * members by subject in Maps) and its JSON form (plain objects).
 */
import { z } from "zod";
import {
  ACC_PROJECT_TYPES,
  HUB_EXTENSION_TYPES,
  HUB_REGIONS,
  PROJECT_EXTENSION_TYPES,
  type AutodeskSeed,
} from "../shared/seedAutodesk.ts";
import {
  IMODEL_STATES,
  ITWIN_CLASSES,
  ITWIN_STATUSES,
  ITWIN_SUB_CLASSES,
  PERMISSIONS,
  ROLE_NAMES,
  type BentleySeed,
} from "../shared/seedBentley.ts";
import { WORKSPACE_ROLES, type SeequentSeed } from "../shared/seedSeequent.ts";

const text = z.string();
const id = z.string().min(1);
const instant = z.iso.datetime({ offset: true });

// ---- Bentley ----

const permission = z.enum(PERMISSIONS);
const roleName = z.enum(ROLE_NAMES);
const latLng = z.strictObject({ latitude: z.number(), longitude: z.number() });

const iTwin = z.strictObject({
  id,
  class: z.enum(ITWIN_CLASSES),
  subClass: z.enum(ITWIN_SUB_CLASSES),
  type: text.nullable(),
  number: text,
  displayName: text,
  iTwinAccountId: id,
  geographicLocation: text.nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  ianaTimeZone: text.nullable(),
  dataCenterLocation: text,
  status: z.enum(ITWIN_STATUSES),
  parentId: id.nullable(),
  imageName: text.nullable(),
  image: text.nullable(),
  createdDateTime: instant,
  createdBy: id,
  lastModifiedDateTime: instant,
  lastModifiedBy: id,
});

const iModel = z.strictObject({
  id,
  iTwinId: id,
  name: text,
  displayName: text,
  description: text.nullable(),
  state: z.enum(IMODEL_STATES),
  createdDateTime: instant,
  lastChangesetPushDateTime: instant.nullable(),
  dataCenterLocation: text,
  containersEnabled: z.number().int(),
  extent: z.strictObject({ southWest: latLng, northEast: latLng }).nullable(),
  creatorId: id,
  visibleTo: z.array(id).optional(),
});

const role = z.strictObject({ id, displayName: text, description: text, permissions: z.array(permission) });

export const bentleySeedJson = z.strictObject({
  iTwins: z.array(iTwin),
  iModels: z.array(iModel),
  /** iTwin id → its roles. */
  rolesByITwin: z.record(id, z.array(role)),
  /** iTwin id → subject → role name. */
  membersByITwin: z.record(id, z.record(id, roleName)),
});

export function bentleyFromJson(json: z.infer<typeof bentleySeedJson>): BentleySeed {
  return {
    iTwins: json.iTwins,
    iModels: json.iModels,
    rolesByITwin: new Map(Object.entries(json.rolesByITwin)),
    membersByITwin: new Map(
      Object.entries(json.membersByITwin).map(([iTwinId, members]) => [
        iTwinId,
        new Map(Object.entries(members)),
      ]),
    ),
  };
}

export function bentleyToJson(seed: BentleySeed): z.input<typeof bentleySeedJson> {
  return {
    iTwins: seed.iTwins,
    iModels: seed.iModels,
    rolesByITwin: Object.fromEntries(seed.rolesByITwin),
    membersByITwin: Object.fromEntries(
      [...seed.membersByITwin].map(([iTwinId, members]) => [iTwinId, Object.fromEntries(members)]),
    ),
  };
}

// ---- Autodesk ----

const region = z.enum(HUB_REGIONS);

const project = z.strictObject({
  id,
  name: text,
  extensionType: z.enum(PROJECT_EXTENSION_TYPES),
  projectType: z.enum(ACC_PROJECT_TYPES).optional(),
  rootFolderId: id,
  scopes: z.array(text),
  createdAt: instant,
});

export const autodeskSeedJson = z.strictObject({
  hubs: z.array(
    z.strictObject({
      id,
      name: text,
      region,
      extensionType: z.enum(HUB_EXTENSION_TYPES),
      members: z.array(id),
      projects: z.array(project),
    }),
  ),
  missingIntegration: z.array(z.strictObject({ subject: id, region })),
});

export const autodeskFromJson = (json: z.infer<typeof autodeskSeedJson>): AutodeskSeed => json;
export const autodeskToJson = (seed: AutodeskSeed): z.input<typeof autodeskSeedJson> => seed;

// ---- Seequent ----

const workspaceRole = z.enum(WORKSPACE_ROLES);
const person = z.strictObject({ id, name: text, email: text });

const workspace = z.strictObject({
  id,
  name: text,
  description: text,
  boundingBox: z
    .strictObject({ type: z.literal("Polygon"), coordinates: z.array(z.array(z.array(z.number()))) })
    .nullable(),
  createdAt: instant,
  updatedAt: instant,
  createdBy: person,
  updatedBy: person,
  defaultCoordinateSystem: text,
  labels: z.array(text),
  mlEnabled: z.boolean(),
  /** Subject → role. */
  members: z.record(id, workspaceRole),
});

export const seequentSeedJson = z.strictObject({
  hubs: z.array(z.strictObject({ code: id, displayName: text })),
  organizations: z.array(
    z.strictObject({
      id,
      displayName: text,
      hubCode: id,
      members: z.array(id),
      workspaces: z.array(workspace),
    }),
  ),
  services: z.array(z.strictObject({ code: id, displayName: text })),
});

export function seequentFromJson(json: z.infer<typeof seequentSeedJson>): SeequentSeed {
  return {
    ...json,
    organizations: json.organizations.map((org) => ({
      ...org,
      workspaces: org.workspaces.map((w) => ({
        ...w,
        members: new Map(Object.entries(w.members)),
      })),
    })),
  };
}

export function seequentToJson(seed: SeequentSeed): z.input<typeof seequentSeedJson> {
  return {
    ...seed,
    organizations: seed.organizations.map((org) => ({
      ...org,
      workspaces: org.workspaces.map((w) => ({ ...w, members: Object.fromEntries(w.members) })),
    })),
  };
}
