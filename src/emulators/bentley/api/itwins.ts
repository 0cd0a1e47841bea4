/**
 * iTwins API v1: `GET /itwins/` (filters, paging, minimal or representation) and `GET /itwins/{id}`.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { SeedITwin } from "../../shared/seedBentley.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import {
  BentleyDirectory,
  ITWIN_ORDER_FIELDS,
  STATUSES,
  SUB_CLASSES,
  parseOrderBy,
  type ITwinFilter,
} from "./directory.ts";
import { BentleyApiError, errors, type BentleyErrorDetail } from "./errors.ts";
import {
  authenticate,
  checkAcceptVersion,
  pageLinks,
  parsePage,
  queryValue,
  wantsRepresentation,
} from "./request.ts";

const ACCEPT_VERSIONS = [1];
const INVALID = "InvalidiTwinsRequest";
const INVALID_MESSAGE = "Cannot get iTwins.";

export function minimalITwin(t: SeedITwin) {
  return {
    id: t.id,
    class: t.class,
    subClass: t.subClass,
    type: t.type,
    number: t.number,
    displayName: t.displayName,
    iTwinAccountId: t.iTwinAccountId,
  };
}

export function representationITwin(t: SeedITwin) {
  return {
    ...minimalITwin(t),
    geographicLocation: t.geographicLocation,
    latitude: t.latitude,
    longitude: t.longitude,
    ianaTimeZone: t.ianaTimeZone,
    dataCenterLocation: t.dataCenterLocation,
    status: t.status,
    parentId: t.parentId,
    imageName: t.imageName,
    image: t.image,
    createdDateTime: t.createdDateTime,
    createdBy: t.createdBy,
    lastModifiedDateTime: t.lastModifiedDateTime,
    lastModifiedBy: t.lastModifiedBy,
  };
}

/** Reads the iTwins filters; every bad value is reported at once in `details`, as the real API does. */
export function parseITwinFilter(query: unknown, problems: BentleyErrorDetail[]): ITwinFilter | null {
  const invalid = (target: string, message: string) =>
    problems.push({ code: "InvalidValue", message, target });

  const subClassRaw = queryValue(query, "subClass");
  const subClass = SUB_CLASSES.find((s) => s.toLowerCase() === subClassRaw?.toLowerCase());
  if (subClassRaw !== undefined && !subClass) {
    invalid("subClass", `'subClass' must be one of ${SUB_CLASSES.join(", ")}.`);
  }
  const statusRaw = queryValue(query, "status");
  const status = STATUSES.find((s) => s.toLowerCase() === statusRaw?.toLowerCase());
  if (statusRaw !== undefined && !status)
    invalid("status", `'status' must be one of ${STATUSES.join(", ")}.`);

  const includeInactiveRaw = queryValue(query, "includeInactive");
  let includeInactive = false;
  if (includeInactiveRaw !== undefined) {
    if (!/^(true|false)$/i.test(includeInactiveRaw)) {
      invalid("includeInactive", "'includeInactive' must be true or false.");
    } else if (statusRaw !== undefined) {
      invalid("includeInactive", "'includeInactive' cannot be used together with 'status'.");
    }
    includeInactive = includeInactiveRaw.toLowerCase() === "true";
  }

  const orderByRaw = queryValue(query, "$orderby") ?? queryValue(query, "$orderBy");
  const orderBy =
    orderByRaw === undefined
      ? { field: "displayName" as const, direction: "asc" as const }
      : parseOrderBy(orderByRaw, ITWIN_ORDER_FIELDS);
  if (!orderBy) {
    invalid(
      "$orderby",
      `'$orderby' must be one of ${ITWIN_ORDER_FIELDS.join(", ")}, optionally followed by asc or desc.`,
    );
    return null;
  }
  return {
    ...(subClass ? { subClass } : {}),
    ...(status ? { status } : {}),
    includeInactive,
    type: queryValue(query, "type"),
    search: queryValue(query, "$search"),
    displayName: queryValue(query, "displayName"),
    number: queryValue(query, "number"),
    orderBy,
  };
}

export function registerITwinRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  directory: BentleyDirectory,
): void {
  app.get("/", async (request: FastifyRequest) => {
    checkAcceptVersion(request, ACCEPT_VERSIONS);
    const caller = await authenticate(request, ctx);
    const problems: BentleyErrorDetail[] = [];
    const filter = parseITwinFilter(request.query, problems);
    const page = parsePage(request.query, { defaultTop: 1000, maxTop: 1000 }, problems);
    if (!filter || problems.length > 0) throw errors.invalidRequest(INVALID, INVALID_MESSAGE, problems);
    const all = directory.iTwins(caller.subject, filter);
    const shape = wantsRepresentation(request) ? representationITwin : minimalITwin;
    return {
      iTwins: all.slice(page.skip, page.skip + page.top).map(shape),
      _links: pageLinks(request, ctx, "/itwins/", page, all.length),
    };
  });

  app.get<{ Params: { id: string } }>("/:id", async (request) => {
    checkAcceptVersion(request, ACCEPT_VERSIONS);
    const caller = await authenticate(request, ctx);
    const iTwin = directory.iTwin(request.params.id, caller.subject);
    if (!iTwin) throw new BentleyApiError(404, "iTwinNotFound", "Requested iTwin is not available.");
    return { iTwin: representationITwin(iTwin) };
  });
}
