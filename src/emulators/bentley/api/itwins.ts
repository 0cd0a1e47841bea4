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
  type ITwinFilter,
} from "./directory.ts";
import { errors, type BentleyErrorDetail } from "./errors.ts";
import {
  authenticate,
  checkAcceptVersion,
  pageLinks,
  parsePage,
  queryChoice,
  queryOrderBy,
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

  const subClass = queryChoice(query, "subClass", SUB_CLASSES, problems);
  const statusGiven = queryValue(query, "status") !== undefined;
  const status = queryChoice(query, "status", STATUSES, problems);

  const includeInactiveRaw = queryValue(query, "includeInactive");
  let includeInactive = false;
  if (includeInactiveRaw !== undefined) {
    if (!/^(true|false)$/i.test(includeInactiveRaw)) {
      invalid("includeInactive", "'includeInactive' must be true or false.");
    } else if (statusGiven) {
      invalid("includeInactive", "'includeInactive' cannot be used together with 'status'.");
    }
    includeInactive = includeInactiveRaw.toLowerCase() === "true";
  }

  const orderBy = queryOrderBy(query, ["$orderby", "$orderBy"], ITWIN_ORDER_FIELDS, "displayName", problems);
  if (!orderBy) return null;
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
    if (!iTwin) throw errors.iTwinNotFound();
    return { iTwin: representationITwin(iTwin) };
  });
}
