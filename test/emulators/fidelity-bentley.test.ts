/**
 * Fidelity of the Bentley emulator's resource APIs (iTwins, iModels, Access Control) to PROVIDERS.md, over
 * real HTTP: the field names and JSON types of every body, paging to the end, the composed emulator with
 * real tokens and its failure knob, and the error cases with their bodies and headers. Tokens come from a
 * test key pair (test/helpers/emulatorApiHarness.ts), not from the emulators' auth servers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { seedITwinId } from "../../src/emulators/shared/seedBentley.ts";
import { ALICE_ID, CAROL_ID } from "../../src/emulators/shared/seedIds.ts";
import { followPages, injectApiFault, serviceTokenFrom, useFidelityApi } from "../helpers/apiFidelity.ts";
import { getJson } from "../helpers/emulatorApiHarness.ts";
import { assertShape, oneOf, type Shape } from "../helpers/shape.ts";

const fidelity = useFidelityApi("bentley");

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
    alice = await fidelity.userToken(ALICE_ID, ["openid", "itwin-platform", "offline_access"]);
    carol = await fidelity.userToken(CAROL_ID, ["itwin-platform"]);
  });

  it("serves minimal iTwins by default and pages with $top/$skip until _links.next is null", async () => {
    const first = `${fidelity.api.url}/itwins/?$top=5`;
    type Page = {
      iTwins: { id: string }[];
      _links: { next: { href: string } | null; prev: { href: string } | null };
    };
    const pages = await followPages<Page>(first, alice, V1, (body) => body._links.next?.href);
    expect(pages.map((p) => p.iTwins.length)).toEqual([5, 5, 2]);
    for (const page of pages) assertShape(page, { iTwins: [minimalITwin], _links: links });
    expect(pages[0]!._links.prev).toBeNull();
    expect(pages[1]!._links.prev!.href).toBe(`${fidelity.api.url}/itwins/?$skip=0&$top=5`);
    expect(pages[1]!._links.next!.href).toBe(`${fidelity.api.url}/itwins/?$skip=10&$top=5`);
    const ids = pages.flatMap((p) => p.iTwins.map((t) => t.id));
    expect(new Set(ids).size).toBe(12);
    const all = await getJson(`${fidelity.api.url}/itwins/`, { token: alice, headers: V1 });
    expect(all.body.iTwins.map((t: { id: string }) => t.id)).toEqual(ids);
  });

  it("keeps the filters in the paging links", async () => {
    const page = await getJson(
      `${fidelity.api.url}/itwins?subClass=Project&includeInactive=true&$top=2&$skip=2`,
      {
        token: alice,
      },
    );
    expect(page.body._links.self.href).toBe(
      `${fidelity.api.url}/itwins/?subClass=Project&includeInactive=true&$skip=2&$top=2`,
    );
    expect(page.body._links.next.href).toContain("subClass=Project&includeInactive=true&$skip=4&$top=2");
  });

  it("serves the representation with Prefer: return=representation, list and single", async () => {
    const list = await getJson(`${fidelity.api.url}/itwins/?includeInactive=true`, {
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
    const one = await getJson(`${fidelity.api.url}/itwins/${seedITwinId("harbor-bridge")}`, {
      token: alice,
      headers: V1,
    });
    assertShape(one.body, { iTwin: representationITwin });
  });

  it("pages iModels v2 to the end, minimal and representation", async () => {
    const first = `${fidelity.api.url}/imodels/?iTwinId=${seedITwinId("harbor-bridge")}&$top=2`;
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
    const one = await getJson(`${fidelity.api.url}/imodels/${minimal[0]!.iModels[0]!.id}`, {
      token: alice,
      headers: V2,
    });
    assertShape(one.body, { iModel: representationIModel });
  });

  it("answers an iTwin without iModels with an empty list", async () => {
    const empty = await getJson(`${fidelity.api.url}/imodels/?iTwinId=${seedITwinId("empty-lot")}`, {
      token: alice,
      headers: V2,
    });
    assertShape(empty.body, { iModels: [], _links: links });
    expect(empty.body.iModels).toEqual([]);
  });

  it("serves permissions and roles in the Access Control shape", async () => {
    const iTwinId = seedITwinId("summit-tower");
    const mine = await getJson(`${fidelity.api.url}/accesscontrol/itwins/${iTwinId}/permissions`, {
      token: alice,
    });
    assertShape(mine.body, { permissions: ["string"] });
    expect(mine.body.permissions).toContain("imodels_read");
    const roles = await getJson(`${fidelity.api.url}/accesscontrol/itwins/${iTwinId}/roles`, {
      token: alice,
    });
    assertShape(roles.body, {
      roles: [{ id: "string", displayName: "string", description: "string", permissions: ["string"] }],
    });
  });

  it("shows the service identity only what it was granted", async () => {
    const service = await fidelity.serviceToken(["itwin-platform"]);
    const list = await getJson(`${fidelity.api.url}/itwins/`, { token: service, headers: V1 });
    assertShape(list.body, { iTwins: [minimalITwin], _links: links });
    expect(list.body.iTwins).toHaveLength(2);
  });

  describe("composed with the IMS emulator (real tokens, real failure knob)", () => {
    it("serves the service identity's iTwins and iModels in the same shapes", async () => {
      const token = await serviceTokenFrom(fidelity.composed.bentley, "/connect/token", "itwin-platform");
      const list = await getJson(`${fidelity.composed.bentley.url}/itwins/?$top=1`, { token, headers: V1 });
      assertShape(list.body, { iTwins: [minimalITwin], _links: links });
      expect(list.body._links.next.href).toBe(`${fidelity.composed.bentley.url}/itwins/?$skip=1&$top=1`);
      const models = await getJson(
        `${fidelity.composed.bentley.url}/imodels/?iTwinId=${seedITwinId("northgate-rail")}`,
        {
          token,
          headers: { ...V2, prefer: "return=representation" },
        },
      );
      assertShape(models.body, { iModels: [representationIModel], _links: links });
    });

    it("answers injected 429 and 503 in the Bentley error shape", async () => {
      const token = await serviceTokenFrom(fidelity.composed.bentley, "/connect/token", "itwin-platform");
      injectApiFault(fidelity.composed.bentley, 429);
      const limited = await getJson(`${fidelity.composed.bentley.url}/itwins/`, { token });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("7");
      assertShape(limited.body, errorShape);
      expect(limited.body.error.code).toBe("RateLimitExceeded");
      injectApiFault(fidelity.composed.bentley, 503);
      const down = await getJson(`${fidelity.composed.bentley.url}/itwins/`, { token });
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
      expectError(await getJson(`${fidelity.api.url}/itwins/`, { headers: V1 }), 401, "HeaderNotFound");
      expectError(
        await getJson(`${fidelity.api.url}/imodels/?iTwinId=x`, { headers: V2 }),
        401,
        "HeaderNotFound",
      );
    });

    it("401 InvalidToken for a foreign signature or an expired token", async () => {
      const foreign = await fidelity.tokens.signWithStrangerKey({
        subject: ALICE_ID,
        scopes: ["itwin-platform"],
      });
      expectError(await getJson(`${fidelity.api.url}/itwins/`, { token: foreign }), 401, "InvalidToken");
      const expired = await fidelity.tokens.sign({
        subject: ALICE_ID,
        scopes: ["itwin-platform"],
        expiresIn: -120,
      });
      const response = await getJson(`${fidelity.api.url}/itwins/`, { token: expired });
      expectError(response, 401, "InvalidToken");
      expect(response.body.error.message).toMatch(/expired/);
    });

    it("403 InsufficientScope without itwin-platform", async () => {
      const noScope = await fidelity.userToken(ALICE_ID, ["openid", "profile"]);
      expectError(await getJson(`${fidelity.api.url}/itwins/`, { token: noScope }), 403, "InsufficientScope");
    });

    it("403 InsufficientPermissions for carol's iModels", async () => {
      const response = await getJson(`${fidelity.api.url}/imodels/?iTwinId=${seedITwinId("summit-tower")}`, {
        token: carol,
        headers: V2,
      });
      expectError(response, 403, "InsufficientPermissions");
    });

    it("404 iTwinNotFound for unknown or unshared iTwins, on every API", async () => {
      const unknown = "00000000-0000-4000-8000-000000000000";
      expectError(
        await getJson(`${fidelity.api.url}/itwins/${unknown}`, { token: alice }),
        404,
        "iTwinNotFound",
      );
      const unshared = seedITwinId("harbor-bridge");
      expectError(
        await getJson(`${fidelity.api.url}/imodels/?iTwinId=${unshared}`, { token: carol, headers: V2 }),
        404,
        "iTwinNotFound",
      );
      expectError(
        await getJson(`${fidelity.api.url}/accesscontrol/itwins/${unshared}/permissions`, { token: carol }),
        404,
        "iTwinNotFound",
      );
    });

    it("404 ResourceNotFound / OperationNotFound for another Accept version or an unknown route", async () => {
      const v9 = await getJson(`${fidelity.api.url}/itwins/`, {
        token: alice,
        headers: { accept: "application/vnd.bentley.itwin-platform.v9+json" },
      });
      expectError(v9, 404, "ResourceNotFound");
      expect(v9.body.error.details[0]).toMatchObject({ code: "OperationNotFound", target: "Accept" });
      const route = await getJson(`${fidelity.api.url}/itwins/${seedITwinId("harbor-bridge")}/nothing-here`, {
        token: alice,
      });
      expectError(route, 404, "ResourceNotFound");
      expect(route.body.error.details[0].code).toBe("OperationNotFound");
    });

    it("422 InvalidiTwinsRequest for status with includeInactive, and for a bad subClass", async () => {
      const both = await getJson(`${fidelity.api.url}/itwins/?status=Active&includeInactive=true`, {
        token: alice,
      });
      expectError(both, 422, "InvalidiTwinsRequest");
      expect(both.body.error.details).toEqual([
        expect.objectContaining({ code: "InvalidValue", target: "includeInactive" }),
      ]);
      const subClass = await getJson(`${fidelity.api.url}/itwins/?subClass=Spaceship`, { token: alice });
      expectError(subClass, 422, "InvalidiTwinsRequest");
      expect(subClass.body.error.details[0]).toMatchObject({ code: "InvalidValue", target: "subClass" });
    });

    it("422 InvalidiModelsRequest without iTwinId", async () => {
      const response = await getJson(`${fidelity.api.url}/imodels/`, { token: alice, headers: V2 });
      expectError(response, 422, "InvalidiModelsRequest");
      expect(response.body.error.details[0].target).toBe("iTwinId");
    });

    it("429 RateLimitExceeded with Retry-After, and 503 in the same shape", async () => {
      const limited = await getJson(`${fidelity.api.url}/itwins/`, {
        token: alice,
        headers: { "x-test-fault": "429" },
      });
      expectError(limited, 429, "RateLimitExceeded");
      expect(limited.headers.get("retry-after")).toBe("3");
      const down = await getJson(`${fidelity.api.url}/itwins/`, {
        token: alice,
        headers: { "x-test-fault": "503" },
      });
      expectError(down, 503, "ServiceUnavailable");
      const iModels = await getJson(`${fidelity.api.url}/imodels/?iTwinId=${seedITwinId("harbor-bridge")}`, {
        token: alice,
        headers: { ...V2, "x-test-fault": "429" },
      });
      expectError(iModels, 429, "TooManyRequests");
    });
  });
});
