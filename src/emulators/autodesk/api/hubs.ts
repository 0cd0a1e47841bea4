/**
 * Data Management v1 project service: `GET /project/v1/hubs`, `/hubs/{hubId}`, `/hubs/{hubId}/projects`
 * (`page[number]` from 0, `page[limit]` up to 200) and `/hubs/{hubId}/projects/{projectId}`, in JSON:API.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { verifyBearer, type VerifiedToken } from "../../shared/accessToken.ts";
import type { AutodeskSeed, SeedHub, SeedProject } from "../../shared/seedAutodesk.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { AUTODESK_CONTENT_TYPE, errors } from "./errors.ts";

export const DATA_READ_SCOPE = "data:read";
const MAX_PAGE_LIMIT = 200;
const JSONAPI = { version: "1.0" } as const;

/** Verifies the bearer token and that it carries `data:read`. */
export async function authenticate(request: FastifyRequest, ctx: EmulatorContext): Promise<VerifiedToken> {
  return verifyBearer(request.headers.authorization, ctx.verifyAccessToken, DATA_READ_SCOPE, {
    missing: errors.missingToken,
    rejected: (expired) =>
      errors.invalidToken(expired ? "The token has expired." : "The token is not valid."),
    missingScope: () => errors.insufficientScope(DATA_READ_SCOPE),
  });
}

const origin = (ctx: EmulatorContext): string => ctx.baseUrl.replace(/\/+$/, "");
const schemaHref = (ctx: EmulatorContext, type: string): string =>
  `${origin(ctx)}/schema/v1/versions/${type}-1.0`;

export function hubResource(ctx: EmulatorContext, hub: SeedHub) {
  const self = `${origin(ctx)}/project/v1/hubs/${encodeURIComponent(hub.id)}`;
  return {
    type: "hubs" as const,
    id: hub.id,
    attributes: {
      name: hub.name,
      region: hub.region,
      extension: {
        type: hub.extensionType,
        version: "1.0",
        schema: { href: schemaHref(ctx, hub.extensionType) },
        data: {},
      },
    },
    links: { self: { href: self } },
    relationships: { projects: { links: { related: { href: `${self}/projects` } } } },
  };
}

export function projectResource(ctx: EmulatorContext, hub: SeedHub, project: SeedProject) {
  const hubHref = `${origin(ctx)}/project/v1/hubs/${encodeURIComponent(hub.id)}`;
  const self = `${hubHref}/projects/${encodeURIComponent(project.id)}`;
  return {
    type: "projects" as const,
    id: project.id,
    attributes: {
      name: project.name,
      scopes: [...project.scopes],
      extension: {
        type: project.extensionType,
        version: "1.0",
        schema: { href: schemaHref(ctx, project.extensionType) },
        data: project.projectType ? { projectType: project.projectType } : {},
      },
    },
    links: { self: { href: self } },
    relationships: {
      hub: { data: { type: "hubs" as const, id: hub.id }, links: { related: { href: hubHref } } },
      rootFolder: {
        data: { type: "folders" as const, id: project.rootFolderId },
        meta: {
          link: {
            href: `${origin(ctx)}/data/v1/projects/${encodeURIComponent(project.id)}/folders/${encodeURIComponent(project.rootFolderId)}`,
          },
        },
      },
      topFolders: { links: { related: { href: `${self}/topFolders` } } },
    },
  };
}

/** The warning DM adds when an ACC account exists but the app is not provisioned there. */
function missingIntegrationWarning(region: string) {
  return {
    Id: null,
    HttpStatusCode: "403",
    ErrorCode: "BIM360DM_ERROR",
    Title: `Unable to get hubs from BIM360DM ${region}.`,
    Detail: "You don't have permission to access this API",
    AboutLink: null,
    Source: [],
    meta: [],
  };
}

function selfHref(request: FastifyRequest, ctx: EmulatorContext): string {
  return `${origin(ctx)}${request.url}`;
}

function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * DM's `filter[id]`, `filter[name]` and `filter[extension.type]`: exact matches, a comma-separated value
 * meaning any of them. Other `filter[...]` keys are ignored.
 */
function matchesFilters(query: unknown, item: { id: string; name: string; extensionType: string }): boolean {
  const fields: [string, string][] = [
    ["filter[id]", item.id],
    ["filter[name]", item.name],
    ["filter[extension.type]", item.extensionType],
  ];
  return fields.every(([key, value]) => {
    const wanted = queryValue(query, key);
    return wanted === undefined || wanted.split(",").includes(value);
  });
}

function parsePaging(query: unknown): { number: number; limit: number } {
  const read = (name: string, fallback: number, min: number, max: number): number => {
    const raw = queryValue(query, name);
    if (raw === undefined || raw === "") return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw errors.badInput(`'${name}' must be an integer between ${min} and ${max}.`);
    }
    return Number(raw);
  };
  return {
    number: read("page[number]", 0, 0, Number.MAX_SAFE_INTEGER),
    limit: read("page[limit]", MAX_PAGE_LIMIT, 1, MAX_PAGE_LIMIT),
  };
}

/** `links` for a projects page: the request's query with `page[number]`/`page[limit]` replaced. */
function pageLinks(
  request: FastifyRequest,
  ctx: EmulatorContext,
  page: { number: number; limit: number },
  total: number,
) {
  const [path, rawQuery = ""] = request.url.split("?") as [string, string?];
  const kept = rawQuery.split("&").filter((pair) => {
    if (pair === "") return false;
    let key = pair.split("=")[0]!;
    try {
      key = decodeURIComponent(key);
    } catch {
      // keep the raw key
    }
    return key !== "page[number]" && key !== "page[limit]";
  });
  const href = (n: number) => ({
    href: `${origin(ctx)}${path}?${[...kept, `page[number]=${n}`, `page[limit]=${page.limit}`].join("&")}`,
  });
  const lastPage = Math.max(0, Math.ceil(total / page.limit) - 1);
  return {
    self: href(page.number),
    first: href(0),
    ...(page.number > 0 ? { prev: href(Math.min(page.number - 1, lastPage)) } : {}),
    ...(page.number < lastPage ? { next: href(page.number + 1) } : {}),
  };
}

function send(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.type(AUTODESK_CONTENT_TYPE).send(body);
}

export function registerHubRoutes(app: FastifyInstance, ctx: EmulatorContext, seed: AutodeskSeed): void {
  const visibleHubs = (subject: string) => seed.hubs.filter((hub) => hub.members.includes(subject));
  const findHub = (subject: string, hubId: string): SeedHub => {
    const hub = visibleHubs(subject).find((h) => h.id === hubId);
    if (!hub) throw errors.notFound(`The hub '${hubId}' was not found or is not accessible.`);
    return hub;
  };

  app.get("/hubs", async (request, reply) => {
    const caller = await authenticate(request, ctx);
    const warnings = seed.missingIntegration
      .filter((entry) => entry.subject === caller.subject)
      .map((entry) => missingIntegrationWarning(entry.region));
    return send(reply, {
      jsonapi: JSONAPI,
      links: { self: { href: selfHref(request, ctx) } },
      data: visibleHubs(caller.subject)
        .filter((hub) => matchesFilters(request.query, hub))
        .map((hub) => hubResource(ctx, hub)),
      ...(warnings.length > 0 ? { meta: { warnings } } : {}),
    });
  });

  app.get<{ Params: { hubId: string } }>("/hubs/:hubId", async (request, reply) => {
    const caller = await authenticate(request, ctx);
    const hub = findHub(caller.subject, request.params.hubId);
    return send(reply, {
      jsonapi: JSONAPI,
      links: { self: { href: selfHref(request, ctx) } },
      data: hubResource(ctx, hub),
    });
  });

  app.get<{ Params: { hubId: string } }>("/hubs/:hubId/projects", async (request, reply) => {
    const caller = await authenticate(request, ctx);
    const hub = findHub(caller.subject, request.params.hubId);
    const page = parsePaging(request.query);
    const start = page.number * page.limit;
    const projects = hub.projects.filter((project) => matchesFilters(request.query, project));
    return send(reply, {
      jsonapi: JSONAPI,
      links: pageLinks(request, ctx, page, projects.length),
      data: projects.slice(start, start + page.limit).map((project) => projectResource(ctx, hub, project)),
    });
  });

  app.get<{ Params: { hubId: string; projectId: string } }>(
    "/hubs/:hubId/projects/:projectId",
    async (request, reply) => {
      const caller = await authenticate(request, ctx);
      const hub = findHub(caller.subject, request.params.hubId);
      const project = hub.projects.find((p) => p.id === request.params.projectId);
      if (!project)
        throw errors.notFound(`The project '${request.params.projectId}' was not found in this hub.`);
      return send(reply, {
        jsonapi: JSONAPI,
        links: { self: { href: selfHref(request, ctx) } },
        data: projectResource(ctx, hub, project),
      });
    },
  );
}
