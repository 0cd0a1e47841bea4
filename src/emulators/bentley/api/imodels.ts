/**
 * iModels API v2: `GET /imodels/?iTwinId=` (paging, minimal or representation) and `GET /imodels/{id}`.
 * Listing needs `imodels_read` on the iTwin; models the caller may not see are left out, not refused.
 */
import type { FastifyInstance } from "fastify";
import { IMODEL_STATES, type SeedIModel } from "../../shared/seedBentley.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { BentleyDirectory, IMODEL_ORDER_FIELDS, type IModelFilter } from "./directory.ts";
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

const ACCEPT_VERSIONS = [2];
const INVALID = "InvalidiModelsRequest";
const INVALID_MESSAGE = "Cannot get iModels.";

export function minimalIModel(m: SeedIModel) {
  return { id: m.id, displayName: m.displayName };
}

export function representationIModel(m: SeedIModel, baseUrl: string) {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    id: m.id,
    displayName: m.displayName,
    name: m.name,
    description: m.description,
    state: m.state,
    createdDateTime: m.createdDateTime,
    lastChangesetPushDateTime: m.lastChangesetPushDateTime,
    iTwinId: m.iTwinId,
    dataCenterLocation: m.dataCenterLocation,
    containersEnabled: m.containersEnabled,
    extent: m.extent,
    _links: {
      creator: { href: `${base}/accesscontrol/iTwins/${m.iTwinId}/members/${m.creatorId}` },
      changesets: { href: `${base}/imodels/${m.id}/changesets` },
      namedVersions: { href: `${base}/imodels/${m.id}/namedversions` },
    },
  };
}

function parseIModelFilter(
  query: unknown,
  problems: BentleyErrorDetail[],
): { iTwinId: string; filter: IModelFilter } | null {
  const iTwinId = queryValue(query, "iTwinId");
  if (iTwinId === undefined || iTwinId.trim() === "") {
    // Guess: the detail code the real API uses for a missing required parameter.
    problems.push({ code: "MissingRequiredParameter", message: "'iTwinId' is required.", target: "iTwinId" });
  }
  const state = queryChoice(query, "state", IMODEL_STATES, problems);
  const orderBy = queryOrderBy(query, ["$orderBy", "$orderby"], IMODEL_ORDER_FIELDS, "name", problems);
  if (problems.length > 0 || !orderBy || !iTwinId)
    throw errors.invalidRequest(INVALID, INVALID_MESSAGE, problems);
  return {
    iTwinId,
    filter: {
      ...(state ? { state } : {}),
      name: queryValue(query, "name"),
      search: queryValue(query, "$search"),
      orderBy,
    },
  };
}

const insufficient = () =>
  errors.insufficientPermissions("The user has insufficient permissions for the requested operation.");

export function registerIModelRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  directory: BentleyDirectory,
): void {
  app.get("/", async (request) => {
    checkAcceptVersion(request, ACCEPT_VERSIONS);
    const caller = await authenticate(request, ctx);
    const problems: BentleyErrorDetail[] = [];
    const parsed = parseIModelFilter(request.query, problems);
    const page = parsePage(request.query, { defaultTop: 100, maxTop: 1000 }, problems);
    if (!parsed || problems.length > 0) throw errors.invalidRequest(INVALID, INVALID_MESSAGE, problems);
    const { iTwinId, filter } = parsed;
    const permissions = directory.permissionsOf(iTwinId, caller.subject);
    if (!permissions) throw errors.iTwinNotFound();
    if (!permissions.includes("imodels_read")) throw insufficient();
    const all = directory.iModels(iTwinId, caller.subject, filter);
    const representation = wantsRepresentation(request);
    return {
      iModels: all
        .slice(page.skip, page.skip + page.top)
        .map((m) => (representation ? representationIModel(m, ctx.baseUrl) : minimalIModel(m))),
      _links: pageLinks(request, ctx, "/imodels/", page, all.length),
    };
  });

  app.get<{ Params: { id: string } }>("/:id", async (request) => {
    checkAcceptVersion(request, ACCEPT_VERSIONS);
    const caller = await authenticate(request, ctx);
    const model = directory.iModel(request.params.id, caller.subject);
    const permissions = model ? directory.permissionsOf(model.iTwinId, caller.subject) : null;
    if (!model || !permissions) throw errors.iModelNotFound();
    if (!permissions.includes("imodels_read")) throw insufficient();
    return { iModel: representationIModel(model, ctx.baseUrl) };
  });
}
