import { describe, expect, it } from "vitest";
import { useApiUnderTest } from "../../../../test/helpers/apiUnderTest.ts";
import { getJson } from "../../../../test/helpers/emulatorApiHarness.ts";
import { EVO_ORG_ID } from "../../shared/seedSeequent.ts";
import { BOB_ID, CAROL_ID, SERVICE_SUBJECT } from "../../shared/seedIds.ts";
import { registerSeequentApi } from "./index.ts";

const EVO_SCOPES = ["openid", "evo.discovery", "evo.workspace"];
const { api, tokens, users } = useApiUnderTest((app, ctx) => registerSeequentApi(app, ctx), EVO_SCOPES);

const workspacesUrl = () => `${api.url}/workspace/orgs/${EVO_ORG_ID}/workspaces`;

describe("Evo discovery", () => {
  it("gives alice her organisation on a hub served by this emulator", async () => {
    const { body } = await getJson(`${api.url}/evo/identity/v2/discovery?service=evo`, {
      token: users.alice,
    });
    expect(body.discovery.organizations).toEqual([{ id: EVO_ORG_ID, display_name: "Anders Geoscience" }]);
    expect(body.discovery.hubs[0].url).toBe(api.url);
    expect(body.discovery.service_access).toEqual([
      { org_id: EVO_ORG_ID, hub_code: "sandbox", services: ["evo"] },
    ]);
  });

  it("gives bob no organisations", async () => {
    const bob = await tokens.sign({ subject: BOB_ID, scopes: EVO_SCOPES });
    const { body } = await getJson(`${api.url}/evo/identity/v2/discovery?service=evo`, { token: bob });
    expect(body.discovery.organizations).toEqual([]);
    expect(body.discovery.service_access).toEqual([]);
  });
});

describe("Evo workspaces", () => {
  it("orders by name both ways and filters by name", async () => {
    const asc = await getJson(`${workspacesUrl()}?limit=3&order_by=asc:name`, { token: users.alice });
    expect(asc.body.results.map((w: { name: string }) => w.name)).toEqual([
      "Aurora Gold Resource Model",
      "Basin Hydrogeology",
      "Copper Ridge Exploration",
    ]);
    const desc = await getJson(`${workspacesUrl()}?limit=1&order_by=desc:name`, { token: users.alice });
    expect(desc.body.results[0].name).toBe("Lithium Brine Study");
    const filtered = await getJson(`${workspacesUrl()}?filter[name]=GEO`, { token: users.alice });
    expect(filtered.body.results.map((w: { name: string }) => w.name)).toEqual([
      "Basin Hydrogeology",
      "Geothermal Prospect North",
      "Haul Road Geotech",
    ]);
    expect(filtered.body.links.total).toBe(filtered.body.results.length);
  });

  it("shows each caller their own role and only their workspaces", async () => {
    const carol = await tokens.sign({ subject: CAROL_ID, scopes: EVO_SCOPES });
    const forCarol = await getJson(workspacesUrl(), { token: carol });
    expect(forCarol.body.results.map((w: { current_user_role: string }) => w.current_user_role)).toEqual([
      "viewer",
      "viewer",
    ]);
    const service = await tokens.sign({
      subject: SERVICE_SUBJECT,
      clientId: SERVICE_SUBJECT,
      scopes: EVO_SCOPES,
    });
    const forService = await getJson(workspacesUrl(), { token: service });
    expect(forService.body.links.total).toBe(2);
  });

  it("serves one workspace through its self_link", async () => {
    const list = await getJson(`${workspacesUrl()}?limit=1`, { token: users.alice });
    const one = await getJson(list.body.results[0].self_link, { token: users.alice });
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(list.body.results[0].id);
  });

  it("refuses an organisation the caller is not in and a bad order_by", async () => {
    const bob = await tokens.sign({ subject: BOB_ID, scopes: EVO_SCOPES });
    const forbidden = await getJson(workspacesUrl(), { token: bob });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const bad = await getJson(`${workspacesUrl()}?order_by=sideways:name`, { token: users.alice });
    expect(bad.status).toBe(422);
    expect(bad.body.status).toBe(422);
  });
});
