/**
 * Evo workspace service: `GET /workspace/orgs/{orgId}/workspaces` (`limit`, `offset`, `order_by`,
 * `filter[name]`) with `links {first,last,next,previous,count,total}`, and one workspace by id.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { SeedOrganization, SeedWorkspace, SeequentSeed } from "../../shared/seedSeequent.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { errors } from "./errors.ts";
import { authenticate, hubUrl, queryValue } from "./request.ts";

export const WORKSPACE_SCOPE = "evo.workspace";
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const ORDER_FIELDS = { name: "name", created_at: "createdAt", updated_at: "updatedAt" } as const;
type OrderField = keyof typeof ORDER_FIELDS;

export function workspaceResource(
  ctx: EmulatorContext,
  org: SeedOrganization,
  ws: SeedWorkspace,
  subject: string,
) {
  return {
    id: ws.id,
    name: ws.name,
    description: ws.description,
    current_user_role: ws.members.get(subject) ?? "viewer",
    bounding_box: ws.boundingBox,
    created_at: ws.createdAt,
    updated_at: ws.updatedAt,
    created_by: { ...ws.createdBy },
    updated_by: { ...ws.updatedBy },
    default_coordinate_system: ws.defaultCoordinateSystem,
    labels: [...ws.labels],
    ml_enabled: ws.mlEnabled,
    self_link: `${hubUrl(ctx, org.hubCode)}/workspace/orgs/${org.id}/workspaces/${ws.id}`,
  };
}

function parseOrderBy(raw: string | undefined): { field: OrderField; direction: 1 | -1 }[] {
  if (raw === undefined || raw === "") return [{ field: "name", direction: 1 }];
  return raw.split(",").map((part) => {
    const [direction, field] = part.trim().split(":");
    if ((direction !== "asc" && direction !== "desc") || !field || !(field in ORDER_FIELDS)) {
      throw errors.invalid(
        `order_by '${part}' must be asc:<field> or desc:<field>, field one of ${Object.keys(ORDER_FIELDS).join(", ")}.`,
      );
    }
    return { field: field as OrderField, direction: direction === "asc" ? 1 : -1 };
  });
}

function parseInteger(query: unknown, name: string, fallback: number, min: number, max: number): number {
  const raw = queryValue(query, name);
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw errors.invalid(`'${name}' must be an integer between ${min} and ${max}.`);
  }
  return Number(raw);
}

function pageUrl(
  request: FastifyRequest,
  ctx: EmulatorContext,
  org: SeedOrganization,
  offset: number,
  limit: number,
): string {
  const [path, rawQuery = ""] = request.url.split("?") as [string, string?];
  const kept = rawQuery.split("&").filter((pair) => {
    const key = pair.split("=")[0];
    return pair !== "" && key !== "limit" && key !== "offset";
  });
  return `${hubUrl(ctx, org.hubCode)}${path}?${[...kept, `limit=${limit}`, `offset=${offset}`].join("&")}`;
}

/** Routes under the `/workspace` prefix. */
export function registerWorkspaceRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  seed: SeequentSeed,
): void {
  const findOrg = (orgId: string, subject: string): SeedOrganization => {
    const org = seed.organizations.find((o) => o.id === orgId && o.members.includes(subject));
    if (!org) throw errors.orgForbidden();
    return org;
  };

  app.get<{ Params: { orgId: string } }>("/orgs/:orgId/workspaces", async (request) => {
    const caller = await authenticate(request, ctx, WORKSPACE_SCOPE);
    const org = findOrg(request.params.orgId, caller.subject);
    const limit = parseInteger(request.query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    const offset = parseInteger(request.query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const order = parseOrderBy(queryValue(request.query, "order_by"));
    const nameFilter = queryValue(request.query, "filter[name]")?.toLowerCase();

    const all = org.workspaces
      .filter((ws) => ws.members.has(caller.subject))
      .filter((ws) => nameFilter === undefined || ws.name.toLowerCase().includes(nameFilter))
      .sort((a, b) => {
        for (const { field, direction } of order) {
          const diff = a[ORDER_FIELDS[field]].localeCompare(b[ORDER_FIELDS[field]], "en");
          if (diff !== 0) return diff * direction;
        }
        return 0;
      });
    const results = all
      .slice(offset, offset + limit)
      .map((ws) => workspaceResource(ctx, org, ws, caller.subject));
    const lastOffset = all.length === 0 ? 0 : Math.floor((all.length - 1) / limit) * limit;
    return {
      links: {
        first: pageUrl(request, ctx, org, 0, limit),
        last: pageUrl(request, ctx, org, lastOffset, limit),
        next: offset + limit < all.length ? pageUrl(request, ctx, org, offset + limit, limit) : null,
        previous: offset > 0 ? pageUrl(request, ctx, org, Math.max(0, offset - limit), limit) : null,
        count: results.length,
        total: all.length,
      },
      results,
    };
  });

  app.get<{ Params: { orgId: string; workspaceId: string } }>(
    "/orgs/:orgId/workspaces/:workspaceId",
    async (request) => {
      const caller = await authenticate(request, ctx, WORKSPACE_SCOPE);
      const org = findOrg(request.params.orgId, caller.subject);
      const ws = org.workspaces.find(
        (w) => w.id === request.params.workspaceId && w.members.has(caller.subject),
      );
      if (!ws) throw errors.notFound(`Workspace ${request.params.workspaceId} was not found.`);
      return workspaceResource(ctx, org, ws, caller.subject);
    },
  );
}
