/**
 * Who sees what in the Bentley seed: memberships, permissions, and the filtered, ordered lists the
 * iTwins and iModels APIs page through. Knows nothing about HTTP.
 */
import {
  ITWIN_STATUSES,
  ITWIN_SUB_CLASSES,
  type BentleySeed,
  type ITwinStatus,
  type ITwinSubClass,
  type Permission,
  type SeedIModel,
  type SeedITwin,
  type SeedRole,
} from "../../shared/seedBentley.ts";

export const SUB_CLASSES: readonly ITwinSubClass[] = ITWIN_SUB_CLASSES;
export const STATUSES: readonly ITwinStatus[] = ITWIN_STATUSES;

export type SortDirection = "asc" | "desc";
export interface OrderBy<K extends string> {
  field: K;
  direction: SortDirection;
}

export const ITWIN_ORDER_FIELDS = [
  "displayName",
  "number",
  "type",
  "createdDateTime",
  "lastModifiedDateTime",
] as const;
export type ITwinOrderField = (typeof ITWIN_ORDER_FIELDS)[number];
export const IMODEL_ORDER_FIELDS = ["name", "createdDateTime"] as const;
export type IModelOrderField = (typeof IMODEL_ORDER_FIELDS)[number];

export interface ITwinFilter {
  subClass?: ITwinSubClass;
  type?: string;
  status?: ITwinStatus;
  includeInactive: boolean;
  search?: string;
  displayName?: string;
  number?: string;
  orderBy: OrderBy<ITwinOrderField>;
}

export interface IModelFilter {
  name?: string;
  state?: SeedIModel["state"];
  search?: string;
  orderBy: OrderBy<IModelOrderField>;
}

/** Parses `field` or `field asc|desc`; null when the field is not one of `fields`. */
export function parseOrderBy<K extends string>(raw: string, fields: readonly K[]): OrderBy<K> | null {
  const [field, direction = "asc", ...rest] = raw.trim().split(/\s+/);
  const wantedField = fields.find((f) => f.toLowerCase() === field?.toLowerCase());
  const wantedDirection = direction.toLowerCase();
  if (!wantedField || rest.length > 0 || (wantedDirection !== "asc" && wantedDirection !== "desc"))
    return null;
  return { field: wantedField, direction: wantedDirection };
}

const sameText = (a: string | null, b: string): boolean => (a ?? "").toLowerCase() === b.toLowerCase();
const containsText = (a: string | null, b: string): boolean =>
  (a ?? "").toLowerCase().includes(b.toLowerCase());

function compareBy<T, K extends keyof T & string>(order: OrderBy<K>): (a: T, b: T) => number {
  const sign = order.direction === "asc" ? 1 : -1;
  return (a, b) => sign * String(a[order.field] ?? "").localeCompare(String(b[order.field] ?? ""), "en");
}

export class BentleyDirectory {
  constructor(private readonly seed: BentleySeed) {}

  /** The caller's role on an iTwin, or null when the iTwin is unknown or not shared with them. */
  roleOf(iTwinId: string, subject: string): SeedRole | null {
    const roleName = this.seed.membersByITwin.get(iTwinId)?.get(subject);
    if (!roleName) return null;
    return this.seed.rolesByITwin.get(iTwinId)?.find((r) => r.displayName === roleName) ?? null;
  }

  permissionsOf(iTwinId: string, subject: string): Permission[] | null {
    return this.roleOf(iTwinId, subject)?.permissions ?? null;
  }

  rolesOf(iTwinId: string): SeedRole[] {
    return this.seed.rolesByITwin.get(iTwinId) ?? [];
  }

  /** An iTwin the caller is a member of, else null (unknown and unshared look the same). */
  iTwin(iTwinId: string, subject: string): SeedITwin | null {
    if (!this.roleOf(iTwinId, subject)) return null;
    return this.seed.iTwins.find((t) => t.id === iTwinId) ?? null;
  }

  /** The caller's iTwins after the filters, in order. Inactive ones only when asked for. */
  iTwins(subject: string, filter: ITwinFilter): SeedITwin[] {
    return this.seed.iTwins
      .filter((t) => this.roleOf(t.id, subject) !== null)
      .filter((t) =>
        filter.status ? t.status === filter.status : filter.includeInactive || t.status !== "Inactive",
      )
      .filter((t) => !filter.subClass || t.subClass === filter.subClass)
      .filter((t) => filter.type === undefined || sameText(t.type, filter.type))
      .filter((t) => filter.displayName === undefined || sameText(t.displayName, filter.displayName))
      .filter((t) => filter.number === undefined || sameText(t.number, filter.number))
      .filter(
        (t) =>
          filter.search === undefined ||
          containsText(t.displayName, filter.search) ||
          containsText(t.number, filter.search),
      )
      .sort(compareBy<SeedITwin, ITwinOrderField>(filter.orderBy));
  }

  /** The iModels of an iTwin the caller may see (restricted ones are left out, not refused). */
  iModels(iTwinId: string, subject: string, filter: IModelFilter): SeedIModel[] {
    return this.seed.iModels
      .filter((m) => m.iTwinId === iTwinId && this.mayView(m, subject))
      .filter((m) => filter.name === undefined || sameText(m.name, filter.name))
      .filter((m) => !filter.state || m.state === filter.state)
      .filter((m) => filter.search === undefined || containsText(m.displayName, filter.search))
      .sort(compareBy<SeedIModel, IModelOrderField>(filter.orderBy));
  }

  iModel(iModelId: string, subject: string): SeedIModel | null {
    const model = this.seed.iModels.find((m) => m.id === iModelId);
    return model && this.mayView(model, subject) ? model : null;
  }

  private mayView(model: SeedIModel, subject: string): boolean {
    return !model.visibleTo || model.visibleTo.includes(subject);
  }
}
