/**
 * The four TypeScript example apps end to end (the Python ones: test/python/examples.test.ts): a real hub,
 * the provider emulators, one app process per example, and the connect flow through the emulators' sign-in
 * pages. Expected answers are built from the emulators'
 * seed, not from what the apps return.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BentleyDirectory } from "../../src/emulators/bentley/api/directory.ts";
import { ACC_HUB_ID, createAutodeskSeed } from "../../src/emulators/shared/seedAutodesk.ts";
import { ALICE_ID, CAROL_ID, createBentleySeed } from "../../src/emulators/shared/seedBentley.ts";
import { SERVICE_SUBJECT } from "../../src/emulators/shared/seedIds.ts";
import { createSeequentSeed } from "../../src/emulators/shared/seedSeequent.ts";
import { DataGroup, DataItem, DataResult } from "../../src/sdk/index.ts";
import type { TableResultJSON } from "../../src/sdk/results.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";
import { useEmulatorHostMap } from "../helpers/appsHub.ts";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ config: { appsDirs: [EXAMPLES], sandbox: true } });
  useEmulatorHostMap(t);
});
afterAll(async () => {
  await t?.close();
});

const runView = (client: HubClient, app: string, view: string, params: Record<string, unknown> = {}) =>
  client.post<Record<string, unknown>>(`/api/apps/${app}/views/${view}`, { params });

async function connected(email: string, integration: string): Promise<HubClient> {
  const client = await t.signIn(email);
  const answer = await t.connect(client, integration, email);
  expect(answer.status).toBe(302);
  return client;
}

const cellValues = (table: TableResultJSON) => table.rows.map((row) => row.map((cell) => cell.value));

/** What itwin-browser must show for `subject`, straight from the Bentley seed. */
function expectedITwinTree(subject: string): unknown {
  const seed = createBentleySeed();
  const directory = new BentleyDirectory(seed);
  const iTwins = directory.iTwins(subject, {
    includeInactive: false,
    orderBy: { field: "displayName", direction: "asc" },
  });
  return new DataResult(
    new DataGroup(
      ...iTwins.map((iTwin) => {
        const iModels = directory.iModels(iTwin.id, subject, {
          orderBy: { field: "name", direction: "asc" },
        });
        return new DataItem(iTwin.displayName, iTwin.id, {
          subgroup: new DataGroup(
            new DataItem("Status", iTwin.status),
            new DataItem("Number", iTwin.number),
            new DataItem("iModels", iModels.length, {
              subgroup:
                iModels.length > 0
                  ? new DataGroup(
                      ...iModels.map(
                        (m) =>
                          new DataItem(m.displayName, m.id, {
                            explanationLabel: `State: ${m.state} | Created: ${m.createdDateTime}`,
                          }),
                      ),
                    )
                  : new DataGroup(new DataItem("iModels", "No iModels found")),
            }),
          ),
        });
      }),
    ),
  ).toJSON();
}

describe("app listing", () => {
  it("lists the examples with the user's connection state", async () => {
    const user = await t.newUser();
    const res =
      await user.get<
        { name: string; status: string; integrations: { name: string; connected: boolean }[] }[]
      >("/api/apps");
    expect(res.status).toBe(200);
    const byName = new Map(res.body.map((a) => [a.name, a]));
    for (const name of [
      "itwin-browser",
      "acc-hubs",
      "evo-workspaces",
      "itwin-service",
      "itwin-browser-py",
      "acc-hubs-py",
    ]) {
      expect(byName.get(name)?.status).toBe("ready");
    }
    expect(byName.get("itwin-browser")?.integrations).toEqual([
      expect.objectContaining({ name: "bentley-itwin", connected: false, status: "not_connected" }),
    ]);
    expect(byName.get("itwin-service")?.integrations).toEqual([
      expect.objectContaining({ name: "bentley-itwin-service", connected: true, status: "service" }),
    ]);
  });

  it("describes one app: parametrization, views, integrations with login URLs, no warnings", async () => {
    const user = await t.newUser();
    const res = await user.get<Record<string, unknown>>("/api/apps/itwin-browser");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: "itwin-browser",
      title: "Bentley iTwin browser",
      warnings: [],
      views: [{ name: "bentleyData", kind: "data", label: "Bentley data", durationGuess: 2 }],
      parametrization: [
        { name: "intro", type: "text", content: "# Bentley iTwin browser" },
        { name: "explanation", type: "text" },
      ],
      integrations: [
        {
          name: "bentley-itwin",
          connected: false,
          loginUrl: "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser",
        },
      ],
    });
    const missing = await user.get("/api/apps/no-such-app");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: "app_not_found" });
  });
});

describe("itwin-browser", () => {
  it("asks a user with no connection to sign in, with a login URL", async () => {
    const user = await t.newUser();
    const res = await runView(user, "itwin-browser", "bentleyData");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      code: "login_required",
      loginUrl: "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser",
    });
  });

  it("shows alice exactly the seeded tree: every iTwin (all pages) with status, number and iModels", async () => {
    const alice = await connected("alice@example.com", "bentley-itwin");
    const res = await runView(alice, "itwin-browser", "bentleyData");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expectedITwinTree(ALICE_ID));
    // The seed has more iTwins than one page of $top=5 would hold, and at least one without iModels.
    const items = (res.body as { groups: { items: unknown[] }[] }).groups[0]!.items;
    expect(items.length).toBeGreaterThan(5);
    expect(JSON.stringify(res.body)).toContain("No iModels found");
  });

  it("waits out a short 429 Retry-After from the iTwins API and still shows the whole tree", async () => {
    const alice = await connected("alice@example.com", "bentley-itwin");
    const bentley = t.emulators!.bentley;
    bentley.knobs.set({ failure: { target: "api", kind: "429", retryAfterSeconds: 1, count: 2 } });
    try {
      const res = await runView(alice, "itwin-browser", "bentleyData");
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expectedITwinTree(ALICE_ID));
    } finally {
      bentley.knobs.set({ failure: null });
    }
  });

  it('shows bob "No iTwins found"', async () => {
    const bob = await connected("bob@example.com", "bentley-itwin");
    const res = await runView(bob, "itwin-browser", "bentleyData");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      new DataResult(new DataGroup(new DataItem("Result", "No iTwins found"))).toJSON(),
    );
  });

  it("explains carol's missing imodels_read: the scope is fine, her role lacks the permission", async () => {
    const carol = await connected("carol@example.com", "bentley-itwin");
    const res = await runView(carol, "itwin-browser", "bentleyData");
    expect(res.status).toBe(200);
    const body = res.body as {
      groups: { items: { label: string; subgroup: { items: Record<string, unknown>[] } }[] }[];
    };
    const iTwins = body.groups[0]!.items;
    const expectedNames = new BentleyDirectory(createBentleySeed())
      .iTwins(CAROL_ID, { includeInactive: false, orderBy: { field: "displayName", direction: "asc" } })
      .map((i) => i.displayName);
    expect(expectedNames.length).toBeGreaterThan(0);
    expect(iTwins.map((i) => i.label)).toEqual(expectedNames);
    for (const iTwin of iTwins) {
      const iModels = iTwin.subgroup.items.find((i) => i.label === "iModels")!;
      expect(iModels).toMatchObject({ value: "Not permitted", status: "error" });
      expect(iModels.statusMessage).toMatch(/scope \(itwin-platform\) is fine/);
      expect(iModels.statusMessage).toMatch(/role .* lacks a permission .*imodels_read/);
    }
  });
});

describe("acc-hubs", () => {
  it("asks for a connection first", async () => {
    const res = await runView(await t.newUser(), "acc-hubs", "hubs");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      code: "login_required",
      loginUrl: expect.stringContaining("autodesk-aps"),
    });
  });

  it("shows alice's hubs (name, id, region) with every project", async () => {
    const alice = await connected("alice@example.com", "autodesk-aps");
    const res = await runView(alice, "acc-hubs", "hubs");
    expect(res.status).toBe(200);
    const table = res.body as unknown as TableResultJSON;
    expect(table.columnHeaders?.map((h) => h.title)).toEqual([
      "Hub name",
      "Hub ID",
      "Region",
      "Project",
      "Project ID",
    ]);
    const expected = createAutodeskSeed()
      .hubs.filter((hub) => hub.members.includes(ALICE_ID))
      .flatMap((hub) => hub.projects.map((p) => [hub.name, hub.id, hub.region, p.name, p.id]));
    expect(new Set(cellValues(table).map((row) => JSON.stringify(row)))).toEqual(
      new Set(expected.map((row) => JSON.stringify(row))),
    );
    expect(cellValues(table).filter((row) => row[1] === ACC_HUB_ID)).toHaveLength(7);
  });

  it("shows carol her personal hub and its project", async () => {
    const carol = await connected("carol@example.com", "autodesk-aps");
    const res = await runView(carol, "acc-hubs", "hubs");
    expect(res.status).toBe(200);
    const expected = createAutodeskSeed()
      .hubs.filter((hub) => hub.members.includes(CAROL_ID))
      .flatMap((hub) => hub.projects.map((p) => [hub.name, hub.id, hub.region, p.name, p.id]));
    expect(expected).toHaveLength(1);
    expect(cellValues(res.body as unknown as TableResultJSON)).toEqual(expected);
  });

  it("explains bob's missing ACC custom integration in words", async () => {
    const bob = await connected("bob@example.com", "autodesk-aps");
    const res = await runView(bob, "acc-hubs", "hubs");
    expect(res.status).toBe(200);
    const table = res.body as unknown as TableResultJSON;
    expect(table.columnHeaders?.map((h) => h.title)).toEqual(["Message"]);
    expect(String(cellValues(table)[0]![0])).toMatch(/has not added this app as a custom integration/);
  });
});

describe("evo-workspaces", () => {
  it("asks for a connection first", async () => {
    const res = await runView(await t.newUser(), "evo-workspaces", "workspaces");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: "login_required" });
  });

  it("lists every workspace of alice's organisation and hub", async () => {
    const alice = await connected("alice@example.com", "seequent-evo");
    const res = await runView(alice, "evo-workspaces", "workspaces");
    expect(res.status).toBe(200);
    const table = res.body as unknown as TableResultJSON;
    const org = createSeequentSeed().organizations.find((o) => o.members.includes(ALICE_ID))!;
    const expected = org.workspaces
      .filter((w) => w.members.has(ALICE_ID))
      .map((w) => [w.name, w.members.get(ALICE_ID), w.id])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(cellValues(table).map((row) => [row[2], row[3], row[5]])).toEqual(expected);
    expect(new Set(cellValues(table).map((row) => row[0]))).toEqual(new Set([org.displayName]));
  });

  it("shows carol only the workspaces she is a member of, with her role", async () => {
    const carol = await connected("carol@example.com", "seequent-evo");
    const res = await runView(carol, "evo-workspaces", "workspaces");
    expect(res.status).toBe(200);
    const org = createSeequentSeed().organizations.find((o) => o.members.includes(CAROL_ID))!;
    const expected = org.workspaces
      .filter((w) => w.members.has(CAROL_ID))
      .map((w) => [w.name, w.members.get(CAROL_ID), w.id])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(expected.length).toBe(2);
    expect(cellValues(res.body as unknown as TableResultJSON).map((row) => [row[2], row[3], row[5]])).toEqual(
      expected,
    );
  });

  it("tells bob he has no Evo organisation", async () => {
    const bob = await connected("bob@example.com", "seequent-evo");
    const res = await runView(bob, "evo-workspaces", "workspaces");
    expect(res.status).toBe(200);
    expect(cellValues(res.body as unknown as TableResultJSON)).toEqual([
      ["No Evo organisation found for this account"],
    ]);
  });
});

describe("itwin-service", () => {
  it("lists the iTwins the service identity may see, for any user, without connecting", async () => {
    const user = await t.newUser();
    const res = await runView(user, "itwin-service", "serviceITwins");
    expect(res.status).toBe(200);
    const expected = new BentleyDirectory(createBentleySeed())
      .iTwins(SERVICE_SUBJECT, {
        includeInactive: false,
        orderBy: { field: "displayName", direction: "asc" },
      })
      .map((i) => [i.displayName, i.number, i.status, i.subClass, i.id]);
    expect(expected.length).toBeGreaterThan(0);
    expect(cellValues(res.body as unknown as TableResultJSON)).toEqual(expected);
  });
});

describe("params", () => {
  it("refuses params the parametrization does not have", async () => {
    const res = await runView(await t.newUser(), "itwin-browser", "bentleyData", { nope: 1 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "validation_failed", errors: [{ field: "/params/nope" }] });
  });

  it("answers 404 for an unknown view", async () => {
    const res = await runView(await t.newUser(), "itwin-browser", "nope");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "view_not_found" });
  });
});
