import { describe, expect, it } from "vitest";
import { useApiUnderTest } from "../../../../test/helpers/apiUnderTest.ts";
import { getJson } from "../../../../test/helpers/emulatorApiHarness.ts";
import { ACC_HUB_ID, CAROL_HUB_ID, TEAM_HUB_ID } from "../../shared/seedAutodesk.ts";
import { SERVICE_SUBJECT } from "../../shared/seedIds.ts";
import { registerAutodeskApi } from "./index.ts";

const { api, tokens, users } = useApiUnderTest(
  (app, ctx) => registerAutodeskApi(app, ctx),
  ["data:read", "user-profile:read"],
);

describe("Autodesk hubs", () => {
  it("lists alice's ACC and Team hubs, without warnings", async () => {
    const hubs = await getJson(`${api.url}/project/v1/hubs`, { token: users.alice });
    expect(hubs.status).toBe(200);
    expect(hubs.headers.get("content-type")).toMatch(/^application\/vnd\.api\+json/);
    expect(hubs.body.data.map((h: { id: string }) => h.id)).toEqual([ACC_HUB_ID, TEAM_HUB_ID]);
    expect(
      hubs.body.data.map((h: { attributes: { extension: { type: string } } }) => h.attributes.extension.type),
    ).toEqual(["hubs:autodesk.bim360:Account", "hubs:autodesk.core:Hub"]);
    expect(hubs.body.meta).toBeUndefined();
  });

  it("answers bob with 200, no hubs and the BIM360DM_ERROR warning", async () => {
    const hubs = await getJson(`${api.url}/project/v1/hubs`, { token: users.bob });
    expect(hubs.status).toBe(200);
    expect(hubs.body.data).toEqual([]);
    expect(hubs.body.meta.warnings[0]).toMatchObject({ HttpStatusCode: "403", ErrorCode: "BIM360DM_ERROR" });
  });

  it("gives carol her personal hub and the service the ACC hub it is provisioned on", async () => {
    const forCarol = await getJson(`${api.url}/project/v1/hubs`, { token: users.carol });
    expect(forCarol.body.data.map((h: { id: string }) => h.id)).toEqual([CAROL_HUB_ID]);
    const service = await tokens.sign({
      subject: SERVICE_SUBJECT,
      clientId: SERVICE_SUBJECT,
      scopes: ["data:read"],
    });
    const forService = await getJson(`${api.url}/project/v1/hubs`, { token: service });
    expect(forService.body.data.map((h: { id: string }) => h.id)).toEqual([ACC_HUB_ID]);
  });

  it("serves a hub and a project by id, and 404s a hub the caller does not see", async () => {
    const hub = await getJson(`${api.url}/project/v1/hubs/${TEAM_HUB_ID}`, { token: users.alice });
    expect(hub.body.data.attributes.name).toBe("Anders Design Team");
    const projects = await getJson(`${api.url}/project/v1/hubs/${TEAM_HUB_ID}/projects`, {
      token: users.alice,
    });
    const first = projects.body.data[0];
    const one = await getJson(first.links.self.href, { token: users.alice });
    expect(one.body.data.id).toBe(first.id);
    const hidden = await getJson(`${api.url}/project/v1/hubs/${CAROL_HUB_ID}/projects`, {
      token: users.alice,
    });
    expect(hidden.status).toBe(404);
  });

  it("pages projects from page[number]=0 with first/prev/next", async () => {
    const base = `${api.url}/project/v1/hubs/${ACC_HUB_ID}/projects`;
    const middle = await getJson(`${base}?page[number]=1&page[limit]=3`, { token: users.alice });
    expect(middle.body.data).toHaveLength(3);
    expect(middle.body.links.first.href).toContain("page[number]=0");
    expect(middle.body.links.prev.href).toContain("page[number]=0");
    expect(middle.body.links.next.href).toContain("page[number]=2");
    const last = await getJson(middle.body.links.next.href, { token: users.alice });
    expect(last.body.data).toHaveLength(1);
    expect(last.body.links.next).toBeUndefined();
  });

  it("rejects a bad page[limit] with 400 in the JSON:API error shape", async () => {
    const bad = await getJson(`${api.url}/project/v1/hubs/${ACC_HUB_ID}/projects?page[limit]=500`, {
      token: users.alice,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ status: "400", code: "BAD_INPUT" });
  });

  it("filters hubs and projects by filter[extension.type] and filter[name]", async () => {
    const acc = await getJson(
      `${api.url}/project/v1/hubs?filter[extension.type]=hubs:autodesk.bim360:Account`,
      {
        token: users.alice,
      },
    );
    expect(acc.body.data.map((h: { id: string }) => h.id)).toEqual([ACC_HUB_ID]);
    const named = await getJson(
      `${api.url}/project/v1/hubs/${ACC_HUB_ID}/projects?filter[name]=${encodeURIComponent("Summit Tower,Lakeshore Campus")}`,
      { token: users.alice },
    );
    expect(named.body.data.map((p: { attributes: { name: string } }) => p.attributes.name)).toEqual([
      "Summit Tower",
      "Lakeshore Campus",
    ]);
  });
});
