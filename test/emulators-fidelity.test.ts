/**
 * Fidelity of the emulators' resource APIs to PROVIDERS.md, over real HTTP: the field names and JSON types
 * of every body they serve, paging to the end, and the error cases with their bodies and headers.
 * Tokens come from a test key pair (test/helpers/emulatorApiHarness.ts), not from the emulators' auth servers.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as autodesk from "../src/emulators/autodesk/api/index.ts";
import * as bentley from "../src/emulators/bentley/api/index.ts";
import * as seequent from "../src/emulators/seequent/api/index.ts";
import { ACC_HUB_ID, TEAM_HUB_ID } from "../src/emulators/shared/seedAutodesk.ts";
import { seedITwinId } from "../src/emulators/shared/seedBentley.ts";
import { ALICE_ID, BOB_ID, CAROL_ID, SERVICE_SUBJECT } from "../src/emulators/shared/seedIds.ts";
import { EVO_ORG_ID } from "../src/emulators/shared/seedSeequent.ts";
import { startEmulators, type Emulator, type Emulators } from "../src/emulators/index.ts";
import {
  createTestTokens,
  getJson,
  startApi,
  type RunningApi,
  type TestTokens,
} from "./helpers/emulatorApiHarness.ts";
import { assertShape, oneOf, type Shape } from "./helpers/shape.ts";

/**
 * Stands in for the composition's fault-injection hook: `x-test-fault: 429|503` answers with the
 * platform's own fault body (what the composition sends), so its shape is checked over HTTP here.
 */
function addFaultHook(
  app: FastifyInstance,
  contentType: string,
  faultBody: (status: number, url: string) => unknown,
): void {
  app.addHook("onRequest", async (request, reply) => {
    const fault = request.headers["x-test-fault"];
    if (typeof fault !== "string") return;
    const status = Number(fault);
    if (status === 429) void reply.header("retry-after", "3");
    return reply.code(status).type(contentType).send(faultBody(status, request.url));
  });
}

let tokens: TestTokens;
let bentleyApi: RunningApi;
let autodeskApi: RunningApi;
let seequentApi: RunningApi;
/** The composed emulators (authorization servers, knobs and all), for the same shapes with real tokens. */
let composed: Emulators;

beforeAll(async () => {
  tokens = await createTestTokens();
  composed = await startEmulators({ ports: [0, 0, 0] });
  [bentleyApi, autodeskApi, seequentApi] = await Promise.all([
    startApi(async (app, ctx) => {
      addFaultHook(app, bentley.BENTLEY_ERROR_CONTENT_TYPE, bentley.faultBody);
      await bentley.registerBentleyApi(app, ctx);
    }, tokens.verify),
    startApi(async (app, ctx) => {
      addFaultHook(app, autodesk.AUTODESK_CONTENT_TYPE, autodesk.faultBody);
      await autodesk.registerAutodeskApi(app, ctx);
    }, tokens.verify),
    startApi(async (app, ctx) => {
      addFaultHook(app, seequent.PROBLEM_CONTENT_TYPE, seequent.faultBody);
      await seequent.registerSeequentApi(app, ctx);
    }, tokens.verify),
  ]);
});

afterAll(async () => {
  await Promise.all([bentleyApi?.close(), autodeskApi?.close(), seequentApi?.close(), composed?.close()]);
});

const userToken = (subject: string, scopes: string[]) => tokens.sign({ subject, scopes });
const serviceToken = (scopes: string[]) =>
  tokens.sign({ subject: SERVICE_SUBJECT, clientId: SERVICE_SUBJECT, scopes });

/** A client-credentials token for `sandbox-service` from a composed emulator's token endpoint. */
async function serviceTokenFrom(emulator: Emulator, tokenPath: string, scope: string): Promise<string> {
  const response = await fetch(`${emulator.url}${tokenPath}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from("sandbox-service:sandbox-service-secret").toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Makes the composed emulator's next API call fail with `status` through its failure knob. */
function injectApiFault(emulator: Emulator, status: 429 | 503): void {
  emulator.knobs.set({
    failure:
      status === 429
        ? { target: "api", kind: "429", retryAfterSeconds: 7, count: 1 }
        : { target: "api", kind: "5xx", status, count: 1 },
  });
}

/** Follows `next(body)` from `first` until it gives null/undefined; returns every page's body. */
async function followPages<T>(
  first: string,
  token: string,
  headers: Record<string, string>,
  next: (body: T) => string | null | undefined,
) {
  const pages: T[] = [];
  let url: string | null | undefined = first;
  while (url) {
    const response = await getJson(url, { token, headers });
    expect(response.status).toBe(200);
    pages.push(response.body as T);
    url = next(response.body as T);
    expect(pages.length).toBeLessThan(50);
  }
  return pages;
}

// ---------------------------------------------------------------------------------------------------------
describe("Bentley iTwins, iModels and Access Control", () => {
  const V1 = { accept: "application/vnd.bentley.itwin-platform.v1+json" };
  const V2 = { accept: "application/vnd.bentley.itwin-platform.v2+json" };
  const href: Shape = { href: "string" };
  const links: Shape = { self: href, prev: oneOf(href, "null"), next: oneOf(href, "null") };
  const minimalITwin: Shape = {
    id: "string",
    class: "string",
    subClass: "string",
    type: "string|null",
    number: "string",
    displayName: "string",
    iTwinAccountId: "string|null",
  };
  const representationITwin: Shape = {
    ...minimalITwin,
    geographicLocation: "string|null",
    latitude: "number|null",
    longitude: "number|null",
    ianaTimeZone: "string|null",
    dataCenterLocation: "string",
    status: "string",
    parentId: "string|null",
    imageName: "string|null",
    image: "string|null",
    createdDateTime: "string",
    createdBy: "string",
    lastModifiedDateTime: "string",
    lastModifiedBy: "string",
  };
  const point: Shape = { latitude: "number", longitude: "number" };
  const representationIModel: Shape = {
    id: "string",
    displayName: "string",
    name: "string",
    description: "string|null",
    state: "string",
    createdDateTime: "string",
    lastChangesetPushDateTime: "string|null",
    iTwinId: "string",
    dataCenterLocation: "string",
    containersEnabled: "integer",
    extent: oneOf({ southWest: point, northEast: point }, "null"),
    _links: { creator: href, changesets: href, namedVersions: href },
  };
  const errorShape: Shape = {
    error: {
      code: "string",
      message: "string",
      "details?": [{ code: "string", message: "string", target: "string" }],
    },
  };

  let alice: string;
  let carol: string;
  beforeAll(async () => {
    alice = await userToken(ALICE_ID, ["openid", "itwin-platform", "offline_access"]);
    carol = await userToken(CAROL_ID, ["itwin-platform"]);
  });

  it("serves minimal iTwins by default and pages with $top/$skip until _links.next is null", async () => {
    const first = `${bentleyApi.url}/itwins/?$top=5`;
    type Page = {
      iTwins: { id: string }[];
      _links: { next: { href: string } | null; prev: { href: string } | null };
    };
    const pages = await followPages<Page>(first, alice, V1, (body) => body._links.next?.href);
    expect(pages.map((p) => p.iTwins.length)).toEqual([5, 5, 2]);
    for (const page of pages) assertShape(page, { iTwins: [minimalITwin], _links: links });
    expect(pages[0]!._links.prev).toBeNull();
    expect(pages[1]!._links.prev!.href).toBe(`${bentleyApi.url}/itwins/?$skip=0&$top=5`);
    expect(pages[1]!._links.next!.href).toBe(`${bentleyApi.url}/itwins/?$skip=10&$top=5`);
    const ids = pages.flatMap((p) => p.iTwins.map((t) => t.id));
    expect(new Set(ids).size).toBe(12);
    const all = await getJson(`${bentleyApi.url}/itwins/`, { token: alice, headers: V1 });
    expect(all.body.iTwins.map((t: { id: string }) => t.id)).toEqual(ids);
  });

  it("keeps the filters in the paging links", async () => {
    const page = await getJson(
      `${bentleyApi.url}/itwins?subClass=Project&includeInactive=true&$top=2&$skip=2`,
      {
        token: alice,
      },
    );
    expect(page.body._links.self.href).toBe(
      `${bentleyApi.url}/itwins/?subClass=Project&includeInactive=true&$skip=2&$top=2`,
    );
    expect(page.body._links.next.href).toContain("subClass=Project&includeInactive=true&$skip=4&$top=2");
  });

  it("serves the representation with Prefer: return=representation, list and single", async () => {
    const list = await getJson(`${bentleyApi.url}/itwins/?includeInactive=true`, {
      token: alice,
      headers: { ...V1, prefer: "return=representation" },
    });
    expect(list.headers.get("content-type")).toMatch(/^application\/json/);
    assertShape(list.body, { iTwins: [representationITwin], _links: links });
    const statuses = new Set(list.body.iTwins.map((t: { status: string }) => t.status));
    expect(statuses).toEqual(new Set(["Active", "Inactive", "Trial"]));
    for (const t of list.body.iTwins) {
      expect(["Account", "Asset", "Project", "Portfolio", "Program", "WorkPackage"]).toContain(t.subClass);
      expect(["Thing", "Endeavor", "Account"]).toContain(t.class);
    }
    const one = await getJson(`${bentleyApi.url}/itwins/${seedITwinId("harbor-bridge")}`, {
      token: alice,
      headers: V1,
    });
    assertShape(one.body, { iTwin: representationITwin });
  });

  it("pages iModels v2 to the end, minimal and representation", async () => {
    const first = `${bentleyApi.url}/imodels/?iTwinId=${seedITwinId("harbor-bridge")}&$top=2`;
    type Page = { iModels: { id: string }[]; _links: { next: { href: string } | null } };
    const minimal = await followPages<Page>(first, alice, V2, (body) => body._links.next?.href);
    expect(minimal.map((p) => p.iModels.length)).toEqual([2, 2, 2]);
    for (const page of minimal)
      assertShape(page, { iModels: [{ id: "string", displayName: "string" }], _links: links });
    const full = await followPages<Page>(
      first,
      alice,
      { ...V2, prefer: "return=representation" },
      (b) => b._links.next?.href,
    );
    for (const page of full) assertShape(page, { iModels: [representationIModel], _links: links });
    expect(full.flatMap((p) => p.iModels.map((m) => m.id))).toEqual(
      minimal.flatMap((p) => p.iModels.map((m) => m.id)),
    );
    const one = await getJson(`${bentleyApi.url}/imodels/${minimal[0]!.iModels[0]!.id}`, {
      token: alice,
      headers: V2,
    });
    assertShape(one.body, { iModel: representationIModel });
  });

  it("answers an iTwin without iModels with an empty list", async () => {
    const empty = await getJson(`${bentleyApi.url}/imodels/?iTwinId=${seedITwinId("empty-lot")}`, {
      token: alice,
      headers: V2,
    });
    assertShape(empty.body, { iModels: [], _links: links });
    expect(empty.body.iModels).toEqual([]);
  });

  it("serves permissions and roles in the Access Control shape", async () => {
    const iTwinId = seedITwinId("summit-tower");
    const mine = await getJson(`${bentleyApi.url}/accesscontrol/itwins/${iTwinId}/permissions`, {
      token: alice,
    });
    assertShape(mine.body, { permissions: ["string"] });
    expect(mine.body.permissions).toContain("imodels_read");
    const roles = await getJson(`${bentleyApi.url}/accesscontrol/itwins/${iTwinId}/roles`, { token: alice });
    assertShape(roles.body, {
      roles: [{ id: "string", displayName: "string", description: "string", permissions: ["string"] }],
    });
  });

  it("shows the service identity only what it was granted", async () => {
    const service = await serviceToken(["itwin-platform"]);
    const list = await getJson(`${bentleyApi.url}/itwins/`, { token: service, headers: V1 });
    assertShape(list.body, { iTwins: [minimalITwin], _links: links });
    expect(list.body.iTwins).toHaveLength(2);
  });

  describe("composed with the IMS emulator (real tokens, real failure knob)", () => {
    it("serves the service identity's iTwins and iModels in the same shapes", async () => {
      const token = await serviceTokenFrom(composed.bentley, "/connect/token", "itwin-platform");
      const list = await getJson(`${composed.bentley.url}/itwins/?$top=1`, { token, headers: V1 });
      assertShape(list.body, { iTwins: [minimalITwin], _links: links });
      expect(list.body._links.next.href).toBe(`${composed.bentley.url}/itwins/?$skip=1&$top=1`);
      const models = await getJson(
        `${composed.bentley.url}/imodels/?iTwinId=${seedITwinId("northgate-rail")}`,
        {
          token,
          headers: { ...V2, prefer: "return=representation" },
        },
      );
      assertShape(models.body, { iModels: [representationIModel], _links: links });
    });

    it("answers injected 429 and 503 in the Bentley error shape", async () => {
      const token = await serviceTokenFrom(composed.bentley, "/connect/token", "itwin-platform");
      injectApiFault(composed.bentley, 429);
      const limited = await getJson(`${composed.bentley.url}/itwins/`, { token });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("7");
      assertShape(limited.body, errorShape);
      expect(limited.body.error.code).toBe("RateLimitExceeded");
      injectApiFault(composed.bentley, 503);
      const down = await getJson(`${composed.bentley.url}/itwins/`, { token });
      expect(down.status).toBe(503);
      assertShape(down.body, errorShape);
    });
  });

  describe("errors", () => {
    const expectError = (
      response: { status: number; body: unknown; headers: Headers },
      status: number,
      code: string,
    ) => {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      assertShape(response.body, errorShape);
      expect((response.body as { error: { code: string } }).error.code).toBe(code);
    };

    it("401 HeaderNotFound without Authorization", async () => {
      expectError(await getJson(`${bentleyApi.url}/itwins/`, { headers: V1 }), 401, "HeaderNotFound");
      expectError(
        await getJson(`${bentleyApi.url}/imodels/?iTwinId=x`, { headers: V2 }),
        401,
        "HeaderNotFound",
      );
    });

    it("401 InvalidToken for a foreign signature or an expired token", async () => {
      const foreign = await tokens.signWithStrangerKey({ subject: ALICE_ID, scopes: ["itwin-platform"] });
      expectError(await getJson(`${bentleyApi.url}/itwins/`, { token: foreign }), 401, "InvalidToken");
      const expired = await tokens.sign({ subject: ALICE_ID, scopes: ["itwin-platform"], expiresIn: -120 });
      const response = await getJson(`${bentleyApi.url}/itwins/`, { token: expired });
      expectError(response, 401, "InvalidToken");
      expect(response.body.error.message).toMatch(/expired/);
    });

    it("403 InsufficientScope without itwin-platform", async () => {
      const noScope = await userToken(ALICE_ID, ["openid", "profile"]);
      expectError(await getJson(`${bentleyApi.url}/itwins/`, { token: noScope }), 403, "InsufficientScope");
    });

    it("403 InsufficientPermissions for carol's iModels", async () => {
      const response = await getJson(`${bentleyApi.url}/imodels/?iTwinId=${seedITwinId("summit-tower")}`, {
        token: carol,
        headers: V2,
      });
      expectError(response, 403, "InsufficientPermissions");
    });

    it("404 iTwinNotFound for unknown or unshared iTwins, on every API", async () => {
      const unknown = "00000000-0000-4000-8000-000000000000";
      expectError(
        await getJson(`${bentleyApi.url}/itwins/${unknown}`, { token: alice }),
        404,
        "iTwinNotFound",
      );
      const unshared = seedITwinId("harbor-bridge");
      expectError(
        await getJson(`${bentleyApi.url}/imodels/?iTwinId=${unshared}`, { token: carol, headers: V2 }),
        404,
        "iTwinNotFound",
      );
      expectError(
        await getJson(`${bentleyApi.url}/accesscontrol/itwins/${unshared}/permissions`, { token: carol }),
        404,
        "iTwinNotFound",
      );
    });

    it("404 ResourceNotFound / OperationNotFound for another Accept version or an unknown route", async () => {
      const v9 = await getJson(`${bentleyApi.url}/itwins/`, {
        token: alice,
        headers: { accept: "application/vnd.bentley.itwin-platform.v9+json" },
      });
      expectError(v9, 404, "ResourceNotFound");
      expect(v9.body.error.details[0]).toMatchObject({ code: "OperationNotFound", target: "Accept" });
      const route = await getJson(`${bentleyApi.url}/itwins/${seedITwinId("harbor-bridge")}/nothing-here`, {
        token: alice,
      });
      expectError(route, 404, "ResourceNotFound");
      expect(route.body.error.details[0].code).toBe("OperationNotFound");
    });

    it("422 InvalidiTwinsRequest for status with includeInactive, and for a bad subClass", async () => {
      const both = await getJson(`${bentleyApi.url}/itwins/?status=Active&includeInactive=true`, {
        token: alice,
      });
      expectError(both, 422, "InvalidiTwinsRequest");
      expect(both.body.error.details).toEqual([
        expect.objectContaining({ code: "InvalidValue", target: "includeInactive" }),
      ]);
      const subClass = await getJson(`${bentleyApi.url}/itwins/?subClass=Spaceship`, { token: alice });
      expectError(subClass, 422, "InvalidiTwinsRequest");
      expect(subClass.body.error.details[0]).toMatchObject({ code: "InvalidValue", target: "subClass" });
    });

    it("422 InvalidiModelsRequest without iTwinId", async () => {
      const response = await getJson(`${bentleyApi.url}/imodels/`, { token: alice, headers: V2 });
      expectError(response, 422, "InvalidiModelsRequest");
      expect(response.body.error.details[0].target).toBe("iTwinId");
    });

    it("429 RateLimitExceeded with Retry-After, and 503 in the same shape", async () => {
      const limited = await getJson(`${bentleyApi.url}/itwins/`, {
        token: alice,
        headers: { "x-test-fault": "429" },
      });
      expectError(limited, 429, "RateLimitExceeded");
      expect(limited.headers.get("retry-after")).toBe("3");
      const down = await getJson(`${bentleyApi.url}/itwins/`, {
        token: alice,
        headers: { "x-test-fault": "503" },
      });
      expectError(down, 503, "ServiceUnavailable");
      const iModels = await getJson(`${bentleyApi.url}/imodels/?iTwinId=${seedITwinId("harbor-bridge")}`, {
        token: alice,
        headers: { ...V2, "x-test-fault": "429" },
      });
      expectError(iModels, 429, "TooManyRequests");
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
describe("Autodesk Data Management hubs and projects", () => {
  const href: Shape = { href: "string" };
  const jsonapi: Shape = { version: "string" };
  const extension = (data: Shape): Shape => ({ type: "string", version: "string", schema: href, data });
  const hub: Shape = {
    type: "string",
    id: "string",
    attributes: { name: "string", region: "string", extension: extension({}) },
    links: { self: href },
    relationships: { projects: { links: { related: href } } },
  };
  const project: Shape = {
    type: "string",
    id: "string",
    attributes: { name: "string", scopes: ["string"], extension: extension({ "projectType?": "string" }) },
    links: { self: href },
    relationships: {
      hub: { data: { type: "string", id: "string" }, links: { related: href } },
      rootFolder: { data: { type: "string", id: "string" }, meta: { link: href } },
      topFolders: { links: { related: href } },
    },
  };
  const warning: Shape = {
    Id: "string|null",
    HttpStatusCode: "string",
    ErrorCode: "string",
    Title: "string",
    Detail: "string",
    AboutLink: "string|null",
    Source: ["any"],
    meta: ["any"],
  };
  const errorShape: Shape = { jsonapi, errors: [{ status: "string", code: "string", detail: "string" }] };

  let alice: string;
  beforeAll(async () => {
    alice = await userToken(ALICE_ID, ["data:read", "user-profile:read"]);
  });

  it("lists alice's hubs in the JSON:API shape", async () => {
    const response = await getJson(`${autodeskApi.url}/project/v1/hubs`, { token: alice });
    expect(response.headers.get("content-type")).toMatch(/^application\/vnd\.api\+json/);
    assertShape(response.body, { jsonapi, links: { self: href }, data: [hub] });
    expect(response.body.jsonapi.version).toBe("1.0");
    expect(response.body.links.self.href).toBe(`${autodeskApi.url}/project/v1/hubs`);
    for (const h of response.body.data) {
      expect(h.type).toBe("hubs");
      expect(h.id).toMatch(/^[ab]\.\S+$/);
      expect(["US", "EMEA", "APAC", "AUS", "CAN", "DEU", "IND", "JPN", "GBR"]).toContain(h.attributes.region);
    }
    const acc = response.body.data.find((h: { id: string }) => h.id === ACC_HUB_ID);
    expect(acc.id).toMatch(/^b\.[0-9a-f-]{36}$/);
    expect(acc.attributes.extension.type).toBe("hubs:autodesk.bim360:Account");
    const one = await getJson(acc.links.self.href, { token: alice });
    assertShape(one.body, { jsonapi, links: { self: href }, data: hub });
  });

  it("answers bob with 200, empty data and the BIM360DM_ERROR warning", async () => {
    const bob = await userToken(BOB_ID, ["data:read"]);
    const response = await getJson(`${autodeskApi.url}/project/v1/hubs`, { token: bob });
    expect(response.status).toBe(200);
    assertShape(response.body, { jsonapi, links: { self: href }, data: [], meta: { warnings: [warning] } });
    expect(response.body.data).toEqual([]);
    expect(response.body.meta.warnings[0]).toMatchObject({
      HttpStatusCode: "403",
      ErrorCode: "BIM360DM_ERROR",
    });
  });

  it("pages projects with page[number]/page[limit] until there is no next link", async () => {
    const first = `${autodeskApi.url}/project/v1/hubs/${ACC_HUB_ID}/projects?page[limit]=3`;
    type Page = { data: { id: string; type: string }[]; links: { next?: { href: string } } };
    const pages = await followPages<Page>(first, alice, {}, (body) => body.links.next?.href);
    expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1]);
    for (const page of pages) {
      assertShape(page, {
        jsonapi,
        links: { self: href, first: href, "prev?": href, "next?": href },
        data: [project],
      });
      for (const p of page.data) expect(p.type).toBe("projects");
    }
    expect(new Set(pages.flatMap((p) => p.data.map((d) => d.id))).size).toBe(7);
    const team = await getJson(`${autodeskApi.url}/project/v1/hubs/${TEAM_HUB_ID}/projects`, {
      token: alice,
    });
    assertShape(team.body, { jsonapi, links: { self: href, first: href }, data: [project] });
  });

  it("serves two-legged callers through the composed APS emulator, and injected 429s as JSON:API", async () => {
    const token = await serviceTokenFrom(composed.autodesk, "/authentication/v2/token", "data:read");
    const hubs = await getJson(`${composed.autodesk.url}/project/v1/hubs`, { token });
    assertShape(hubs.body, { jsonapi, links: { self: href }, data: [hub] });
    expect(hubs.body.data.map((h: { id: string }) => h.id)).toEqual([ACC_HUB_ID]);
    injectApiFault(composed.autodesk, 429);
    const limited = await getJson(`${composed.autodesk.url}/project/v1/hubs`, { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.headers.get("content-type")).toMatch(/^application\/vnd\.api\+json/);
    assertShape(limited.body, errorShape);
  });

  describe("errors", () => {
    const expectError = (response: { status: number; body: unknown; headers: Headers }, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/vnd\.api\+json/);
      assertShape(response.body, errorShape);
      expect((response.body as { errors: { status: string }[] }).errors[0]!.status).toBe(String(status));
    };

    it("401 without a token or with a bad one", async () => {
      expectError(await getJson(`${autodeskApi.url}/project/v1/hubs`), 401);
      const foreign = await tokens.signWithStrangerKey({ subject: ALICE_ID, scopes: ["data:read"] });
      expectError(await getJson(`${autodeskApi.url}/project/v1/hubs`, { token: foreign }), 401);
    });

    it("403 without data:read", async () => {
      const writeOnly = await userToken(ALICE_ID, ["data:write"]);
      expectError(await getJson(`${autodeskApi.url}/project/v1/hubs`, { token: writeOnly }), 403);
    });

    it("404 for an unknown hub, 400 for a bad page", async () => {
      expectError(await getJson(`${autodeskApi.url}/project/v1/hubs/b.nope/projects`, { token: alice }), 404);
      expectError(
        await getJson(`${autodeskApi.url}/project/v1/hubs/${ACC_HUB_ID}/projects?page[number]=-1`, {
          token: alice,
        }),
        400,
      );
    });

    it("429 with Retry-After in the JSON:API error shape", async () => {
      const limited = await getJson(`${autodeskApi.url}/project/v1/hubs`, {
        token: alice,
        headers: { "x-test-fault": "429" },
      });
      expectError(limited, 429);
      expect(limited.headers.get("retry-after")).toBe("3");
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
describe("Seequent Evo discovery and workspaces", () => {
  const EVO = ["openid", "evo.discovery", "evo.workspace"];
  const person: Shape = { id: "string", name: "string", email: "string" };
  const workspace: Shape = {
    id: "string",
    name: "string",
    description: "string",
    current_user_role: "string",
    bounding_box: oneOf("null", { type: "string", coordinates: [[["number"]]] }),
    created_at: "string",
    updated_at: "string",
    created_by: person,
    updated_by: person,
    default_coordinate_system: "string",
    labels: ["string"],
    ml_enabled: "boolean",
    self_link: "string",
  };
  const workspacesPage: Shape = {
    links: {
      first: "string",
      last: "string",
      next: "string|null",
      previous: "string|null",
      count: "integer",
      total: "integer",
    },
    results: [workspace],
  };
  const problem: Shape = { type: "string", title: "string", status: "integer", detail: "string" };
  const discovery: Shape = {
    discovery: {
      organizations: [{ id: "string", display_name: "string" }],
      hubs: [{ code: "string", display_name: "string", url: "string" }],
      services: [{ code: "string", display_name: "string" }],
      service_access: [{ org_id: "string", hub_code: "string", services: ["string"] }],
    },
  };

  let alice: string;
  const workspacesUrl = () => `${seequentApi.url}/workspace/orgs/${EVO_ORG_ID}/workspaces`;
  beforeAll(async () => {
    alice = await userToken(ALICE_ID, EVO);
  });

  it("serves discovery in the documented shape, for alice and for bob", async () => {
    const forAlice = await getJson(`${seequentApi.url}/evo/identity/v2/discovery?service=evo`, {
      token: alice,
    });
    expect(forAlice.headers.get("content-type")).toMatch(/^application\/json/);
    assertShape(forAlice.body, discovery);
    expect(forAlice.body.discovery.hubs[0].url).toBe(seequentApi.url);
    const bob = await userToken(BOB_ID, EVO);
    const forBob = await getJson(`${seequentApi.url}/evo/identity/v2/discovery?service=evo`, { token: bob });
    assertShape(forBob.body, discovery);
    expect(forBob.body.discovery.organizations).toEqual([]);
  });

  it("pages workspaces with limit/offset until links.next is null", async () => {
    type Page = {
      results: { id: string; current_user_role: string }[];
      links: { next: string | null; previous: string | null; count: number; total: number; last: string };
    };
    const pages = await followPages<Page>(
      `${workspacesUrl()}?limit=5&order_by=asc:name`,
      alice,
      {},
      (b) => b.links.next,
    );
    expect(pages.map((p) => p.results.length)).toEqual([5, 5, 2]);
    for (const page of pages) {
      assertShape(page, workspacesPage);
      expect(page.links.count).toBe(page.results.length);
      expect(page.links.total).toBe(12);
      for (const ws of page.results) expect(["owner", "editor", "viewer"]).toContain(ws.current_user_role);
    }
    expect(pages[0]!.links.previous).toBeNull();
    expect(pages[1]!.links.previous).toBe(`${workspacesUrl()}?order_by=asc:name&limit=5&offset=0`);
    expect(pages[0]!.links.last).toBe(`${workspacesUrl()}?order_by=asc:name&limit=5&offset=10`);
    expect(new Set(pages.flatMap((p) => p.results.map((w) => w.id))).size).toBe(12);
  });

  it("serves one workspace in the same shape as the list items", async () => {
    const list = await getJson(`${workspacesUrl()}?limit=1`, { token: alice });
    const one = await getJson(list.body.results[0].self_link, { token: alice });
    assertShape(one.body, workspace);
  });

  it("serves Evo to Bentley-issued tokens through the composed emulators, and injected 429s as problem JSON", async () => {
    const token = await serviceTokenFrom(composed.bentley, "/connect/token", "evo.discovery evo.workspace");
    const found = await getJson(`${composed.seequent.url}/evo/identity/v2/discovery?service=evo`, { token });
    assertShape(found.body, discovery);
    const hubUrl: string = found.body.discovery.hubs[0].url;
    expect(hubUrl).toBe(composed.seequent.url);
    const page = await getJson(`${hubUrl}/workspace/orgs/${EVO_ORG_ID}/workspaces?limit=1`, { token });
    assertShape(page.body, workspacesPage);
    expect(page.body.links.total).toBe(2);
    injectApiFault(composed.seequent, 429);
    const limited = await getJson(`${hubUrl}/workspace/orgs/${EVO_ORG_ID}/workspaces`, { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    assertShape(limited.body, problem);
  });

  describe("errors (RFC 7807)", () => {
    const expectProblem = (response: { status: number; body: unknown; headers: Headers }, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      assertShape(response.body, problem);
      expect((response.body as { status: number }).status).toBe(status);
    };

    it("401 without a token (with WWW-Authenticate) and with an expired one", async () => {
      const missing = await getJson(workspacesUrl());
      expectProblem(missing, 401);
      expect(missing.headers.get("www-authenticate")).toBe("Bearer");
      const expired = await tokens.sign({ subject: ALICE_ID, scopes: EVO, expiresIn: -60 });
      expectProblem(
        await getJson(`${seequentApi.url}/evo/identity/v2/discovery?service=evo`, { token: expired }),
        401,
      );
    });

    it("403 without the evo.* scope each API needs, and for another organisation", async () => {
      const discoveryOnly = await userToken(ALICE_ID, ["evo.discovery"]);
      expectProblem(await getJson(workspacesUrl(), { token: discoveryOnly }), 403);
      const workspaceOnly = await userToken(ALICE_ID, ["evo.workspace"]);
      expectProblem(
        await getJson(`${seequentApi.url}/evo/identity/v2/discovery`, { token: workspaceOnly }),
        403,
      );
      const other = `${seequentApi.url}/workspace/orgs/00000000-0000-4000-8000-000000000000/workspaces`;
      expectProblem(await getJson(other, { token: alice }), 403);
    });

    it("404 for an unknown workspace or route, 422 for a bad limit", async () => {
      expectProblem(
        await getJson(`${workspacesUrl()}/00000000-0000-4000-8000-000000000000`, { token: alice }),
        404,
      );
      expectProblem(await getJson(`${seequentApi.url}/workspace/nothing`, { token: alice }), 404);
      expectProblem(await getJson(`${workspacesUrl()}?limit=0`, { token: alice }), 422);
    });

    it("429 with Retry-After as problem JSON", async () => {
      const limited = await getJson(workspacesUrl(), { token: alice, headers: { "x-test-fault": "429" } });
      expectProblem(limited, 429);
      expect(limited.headers.get("retry-after")).toBe("3");
    });
  });
});
