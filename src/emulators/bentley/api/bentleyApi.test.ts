import { beforeAll, describe, expect, it } from "vitest";
import { useApiUnderTest } from "../../../../test/helpers/apiUnderTest.ts";
import { getJson } from "../../../../test/helpers/emulatorApiHarness.ts";
import { SERVICE_SUBJECT } from "../../shared/seedIds.ts";
import { seedITwinId } from "../../shared/seedBentley.ts";
import { registerBentleyApi } from "./index.ts";

const V1 = { accept: "application/vnd.bentley.itwin-platform.v1+json" };
const V2 = { accept: "application/vnd.bentley.itwin-platform.v2+json" };
const FULL = { ...V1, prefer: "return=representation" };

const { api, tokens, users } = useApiUnderTest(
  (app, ctx) => registerBentleyApi(app, ctx),
  ["openid", "itwin-platform", "offline_access"],
);
let service: string;

beforeAll(async () => {
  service = await tokens.sign({
    subject: SERVICE_SUBJECT,
    clientId: SERVICE_SUBJECT,
    scopes: ["itwin-platform"],
  });
});

const names = (body: { iTwins: { displayName: string }[] }) => body.iTwins.map((t) => t.displayName);

describe("iTwins filters", () => {
  it("leaves Inactive iTwins out unless includeInactive=true", async () => {
    const active = await getJson(`${api.url}/itwins/?${""}`, { token: users.alice, headers: FULL });
    expect(active.body.iTwins.length).toBe(12);
    expect(active.body.iTwins.every((t: { status: string }) => t.status !== "Inactive")).toBe(true);
    const all = await getJson(`${api.url}/itwins?includeInactive=true`, { token: users.alice, headers: V1 });
    expect(all.body.iTwins.length).toBe(14);
  });

  it("filters by subClass, status, $search, displayName and number", async () => {
    const assets = await getJson(`${api.url}/itwins/?subClass=Asset`, { token: users.alice });
    expect(names(assets.body)).toEqual(["Eastfield Substation", "Pine Ridge Dam", "Valley Pipeline"]);
    const inactive = await getJson(`${api.url}/itwins/?status=Inactive`, {
      token: users.alice,
      headers: FULL,
    });
    expect(names(inactive.body)).toEqual(["Coastal Highway Upgrade", "Old Mill Redevelopment"]);
    const search = await getJson(`${api.url}/itwins/?$search=tower`, { token: users.alice });
    expect(names(search.body)).toEqual(["Summit Tower"]);
    const byName = await getJson(`${api.url}/itwins/?displayName=${encodeURIComponent("Pine Ridge Dam")}`, {
      token: users.alice,
    });
    expect(byName.body.iTwins).toHaveLength(1);
    const byNumber = await getJson(`${api.url}/itwins/?number=AE-1001`, { token: users.alice });
    expect(names(byNumber.body)).toEqual(["Harbor Bridge Retrofit"]);
    const byType = await getJson(`${api.url}/itwins/?type=Building&includeInactive=true`, {
      token: users.alice,
    });
    expect(names(byType.body)).toEqual(["Airport Terminal B", "Old Mill Redevelopment", "Summit Tower"]);
  });

  it("orders by $orderby", async () => {
    const desc = await getJson(`${api.url}/itwins/?$orderby=displayName%20desc&$top=2`, {
      token: users.alice,
    });
    expect(names(desc.body)).toEqual(["Wind Farm Delta", "Valley Pipeline"]);
  });

  it("reports every invalid parameter in details", async () => {
    const bad = await getJson(`${api.url}/itwins/?subClass=Castle&$top=0&$orderby=colour`, {
      token: users.alice,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("InvalidiTwinsRequest");
    expect(bad.body.error.details.map((d: { target: string }) => d.target).sort()).toEqual([
      "$orderby",
      "$top",
      "subClass",
    ]);
  });

  it("gives bob an empty list and carol only her two shared iTwins", async () => {
    expect((await getJson(`${api.url}/itwins/`, { token: users.bob })).body.iTwins).toEqual([]);
    expect(names((await getJson(`${api.url}/itwins/`, { token: users.carol })).body)).toEqual([
      "Airport Terminal B",
      "Summit Tower",
    ]);
  });

  it("shows the service identity the iTwins it was granted", async () => {
    const body = (await getJson(`${api.url}/itwins/`, { token: service })).body;
    expect(names(body)).toEqual(["Harbor Bridge Retrofit", "Northgate Rail Extension"]);
  });

  it("answers 404 iTwinNotFound for an iTwin not shared with the caller", async () => {
    const shared = await getJson(`${api.url}/itwins/${seedITwinId("summit-tower")}`, { token: users.carol });
    expect(shared.status).toBe(200);
    const unshared = await getJson(`${api.url}/itwins/${seedITwinId("harbor-bridge")}`, {
      token: users.carol,
    });
    expect(unshared.status).toBe(404);
    expect(unshared.body.error.code).toBe("iTwinNotFound");
  });
});

describe("iModels and permissions", () => {
  it("refuses carol with 403 InsufficientPermissions while her permissions lack imodels_read", async () => {
    const iTwinId = seedITwinId("summit-tower");
    const permissions = await getJson(`${api.url}/accesscontrol/itwins/${iTwinId}/permissions`, {
      token: users.carol,
    });
    expect(permissions.body.permissions).not.toContain("imodels_read");
    const models = await getJson(`${api.url}/imodels/?iTwinId=${iTwinId}`, {
      token: users.carol,
      headers: V2,
    });
    expect(models.status).toBe(403);
    expect(models.body.error.code).toBe("InsufficientPermissions");
  });

  it("leaves out the iModel restricted to the service instead of refusing alice", async () => {
    const iTwinId = seedITwinId("harbor-bridge");
    const forAlice = await getJson(`${api.url}/imodels/?iTwinId=${iTwinId}`, {
      token: users.alice,
      headers: V2,
    });
    const forService = await getJson(`${api.url}/imodels/?iTwinId=${iTwinId}`, {
      token: service,
      headers: V2,
    });
    expect(forAlice.body.iModels).toHaveLength(6);
    expect(forService.body.iModels).toHaveLength(7);
  });

  it("lists no iModels for the empty iTwin", async () => {
    const empty = await getJson(`${api.url}/imodels/?iTwinId=${seedITwinId("empty-lot")}`, {
      token: users.alice,
      headers: V2,
    });
    expect(empty.status).toBe(200);
    expect(empty.body.iModels).toEqual([]);
    expect(empty.body._links.next).toBeNull();
  });

  it("serves one iModel by id and 404 iModelNotFound for a hidden one", async () => {
    const list = await getJson(`${api.url}/imodels/?iTwinId=${seedITwinId("harbor-bridge")}`, {
      token: service,
      headers: V2,
    });
    const hidden = list.body.iModels.find((m: { displayName: string }) =>
      m.displayName.endsWith("Contractor Markup"),
    );
    expect((await getJson(`${api.url}/imodels/${hidden.id}`, { token: service, headers: V2 })).status).toBe(
      200,
    );
    const forAlice = await getJson(`${api.url}/imodels/${hidden.id}`, { token: users.alice, headers: V2 });
    expect(forAlice.status).toBe(404);
    expect(forAlice.body.error.code).toBe("iModelNotFound");
  });

  it("filters iModels by state and name", async () => {
    const iTwinId = seedITwinId("harbor-bridge");
    const pending = await getJson(`${api.url}/imodels/?iTwinId=${iTwinId}&state=notInitialized`, {
      token: users.alice,
      headers: V2,
    });
    expect(pending.body.iModels.map((m: { displayName: string }) => m.displayName)).toEqual([
      "Harbor Bridge Retrofit - Cables",
      "Harbor Bridge Retrofit - Lighting",
    ]);
  });
});

describe("Accept versions", () => {
  it("accepts no Accept, */* and application/json, and 404s another version", async () => {
    for (const accept of ["*/*", "application/json", "application/vnd.bentley.itwin-platform.v1+json"]) {
      expect((await getJson(`${api.url}/itwins/`, { token: users.alice, headers: { accept } })).status).toBe(
        200,
      );
    }
    const v7 = await getJson(`${api.url}/itwins/`, {
      token: users.alice,
      headers: { accept: "application/vnd.bentley.itwin-platform.v7+json" },
    });
    expect(v7.status).toBe(404);
    expect(v7.body.error.code).toBe("ResourceNotFound");
    expect(v7.body.error.details[0].code).toBe("OperationNotFound");
    const iModelsV1 = await getJson(`${api.url}/imodels/?iTwinId=${seedITwinId("harbor-bridge")}`, {
      token: users.alice,
      headers: V1,
    });
    expect(iModelsV1.status).toBe(404);
  });
});

describe("seed ids", () => {
  it("stay the same from one start to the next (bookmarks and examples name them)", () => {
    expect(seedITwinId("harbor-bridge")).toBe("6dc76df8-a3fd-5dc7-8e91-9d79ff0ce145");
  });
});
