/**
 * The two Python examples (the seeds' own controllers, examples/*-py/app.py) end to end through the hub: a
 * real hub loads them from examples/ as it loads every app, runs each in the app sandbox with the Python
 * worker, and the views API answers what the seeds' code builds. The demo users connect through the
 * emulators' sign-in pages; the seeds' `requests` calls reach the emulators through the worker's host
 * mapping, their tokens come from the hub's runtime token route with each view's capability. Expected
 * answers are built from the emulators' seeds, not from what the apps return.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRegistry } from "../../src/apps/registry.ts";
import { BentleyDirectory } from "../../src/emulators/bentley/api/directory.ts";
import { createAutodeskSeed } from "../../src/emulators/shared/seedAutodesk.ts";
import { ALICE_ID, BOB_ID, CAROL_ID, createBentleySeed } from "../../src/emulators/shared/seedBentley.ts";
import { DataGroup, DataItem, DataResult, TableResult } from "../../src/sdk/index.ts";
import { useEmulatorHostMap } from "../helpers/appsHub.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ config: { appsDirs: [EXAMPLES], sandbox: true } });
  useEmulatorHostMap(t);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const runView = (client: HubClient, app: string, view: string) =>
  client.post<Record<string, unknown>>(`/api/apps/${app}/views/${view}`, { params: {} });

async function connected(email: string, integration: string): Promise<HubClient> {
  const client = await t.signIn(email);
  expect((await t.connect(client, integration, email)).status).toBe(302);
  return client;
}

/** The Bentley guide's view as `email`, connected to bentley-itwin at the emulator first. */
const bentleyDataFor = async (email: string) =>
  runView(await connected(email, "bentley-itwin"), "itwin-browser-py", "get_bentley_data");

/** The Autodesk guide's view as `email`, connected to autodesk-aps at the emulator first. */
const hubsFor = async (email: string) =>
  runView(await connected(email, "autodesk-aps"), "acc-hubs-py", "get_hubs");

/** The seed code's tree for `subject`: Project iTwins (minimal: no status), iModels with representation. */
/** A new user, with no connection, runs `app`'s `view`: a login_required problem with the hub's login URL. */
async function expectLoginRequired(app: string, view: string, integration: string): Promise<void> {
  const res = await runView(await t.newUser(), app, view);
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({
    code: "login_required",
    integration,
    loginUrl: `/api/integrations/oauth2/login/${integration}?app=${app}`,
  });
}

function expectedITwinTree(subject: string): unknown {
  const directory = new BentleyDirectory(createBentleySeed());
  const iTwins = directory
    .iTwins(subject, {
      subClass: "Project",
      includeInactive: false,
      orderBy: { field: "displayName", direction: "asc" },
    })
    .slice(0, 50);
  if (iTwins.length === 0)
    return new DataResult(new DataGroup(new DataItem("Result", "No iTwins found"))).toJSON();
  return new DataResult(
    new DataGroup(
      ...iTwins.map((iTwin) => {
        const iModels = directory
          .iModels(iTwin.id, subject, { orderBy: { field: "name", direction: "asc" } })
          .slice(0, 100);
        const items =
          iModels.length > 0
            ? iModels.map(
                (m) =>
                  new DataItem(m.displayName, m.id, {
                    explanationLabel: `State: ${m.state} | Created: ${m.createdDateTime}`,
                  }),
              )
            : [new DataItem("iModels", "No iModels found")];
        return new DataItem(iTwin.displayName, iTwin.id, {
          subgroup: new DataGroup(
            new DataItem("Status", ""),
            new DataItem("Number", iTwin.number),
            new DataItem("iModels", iModels.length, { subgroup: new DataGroup(...items) }),
          ),
        });
      }),
    ),
  ).toJSON();
}

function expectedHubs(subject: string): unknown {
  const rows = createAutodeskSeed()
    .hubs.filter((hub) => hub.members.includes(subject))
    .map((hub) => [hub.name, hub.id]);
  return new TableResult(rows, { columnHeaders: ["Hub name", "ID"] }).toJSON();
}

describe("the hub loads the Python examples", () => {
  it("runs them in the app sandbox, with the seeds' parametrization and views", async () => {
    const registry = t.hub.services.apps as AppRegistry;
    expect(registry.runtimeSettings.sandbox.active).toBe(true);
    const user = await t.newUser();
    const itwin = await user.get<Record<string, unknown>>("/api/apps/itwin-browser-py");
    expect(itwin.body).toMatchObject({
      name: "itwin-browser-py",
      status: "ready",
      error: null,
      warnings: [],
      parametrization: [
        { name: "intro", type: "text", content: "# Bentley iTwin OAuth2 Integration" },
        { name: "explanation", type: "text" },
      ],
      views: [{ name: "get_bentley_data", kind: "data", label: "Bentley data", durationGuess: 2 }],
      integrations: [{ name: "bentley-itwin", status: "not_connected", problem: null }],
    });
    const acc = await user.get<Record<string, unknown>>("/api/apps/acc-hubs-py");
    expect(acc.body).toMatchObject({
      status: "ready",
      warnings: [],
      views: [{ name: "get_hubs", kind: "table", label: "Get ACC Hubs", durationGuess: null }],
      integrations: [{ name: "autodesk-aps", status: "not_connected", problem: null }],
    });
  });
});

describe("itwin-browser-py (the Bentley guide's controller)", () => {
  it("asks a user with no connection to sign in, with the hub's login URL", async () => {
    await expectLoginRequired("itwin-browser-py", "get_bentley_data", "bentley-itwin");
  });

  it("shows alice her Project iTwins with their iModels, as the seed's code builds them", async () => {
    const res = await bentleyDataFor("alice@example.com");
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual(expectedITwinTree(ALICE_ID));
    expect(res.text).toContain("No iModels found");
    expect(res.text).toMatch(/State: \w+ \| Created: /);
  });

  it('shows bob "No iTwins found"', async () => {
    const res = await bentleyDataFor("bob@example.com");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expectedITwinTree(BOB_ID));
    expect(res.text).toContain("No iTwins found");
  });

  it("explains carol's 403 with no error handling in the seed's code: her role lacks imodels_read", async () => {
    const res = await bentleyDataFor("carol@example.com");
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      code: "provider_http_error",
      providerStatus: 403,
      providerCode: "InsufficientPermissions",
      url: expect.stringMatching(/^https:\/\/api\.bentley\.com\/imodels\/\?iTwinId=/),
    });
    const detail = String(res.body.detail);
    expect(detail).toMatch(
      /^Bentley refused the request: the integration's scope \(itwin-platform\) is fine/,
    );
    expect(detail).toContain("lacks a permission the call needs (imodels_read)");
    // The emulator's token never reaches the answer.
    expect(res.text).not.toMatch(/Bearer|eyJ/);
  });
});

describe("acc-hubs-py (the Autodesk guide's controller)", () => {
  it("asks a user with no connection to sign in", async () => {
    await expectLoginRequired("acc-hubs-py", "get_hubs", "autodesk-aps");
  });

  it("shows alice her hubs", async () => {
    const res = await hubsFor("alice@example.com");
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual(expectedHubs(ALICE_ID));
    expect((res.body as { rows: unknown[] }).rows.length).toBeGreaterThan(1);
  });

  it("shows bob an empty table (no ACC custom integration: Autodesk answers no hubs)", async () => {
    const res = await hubsFor("bob@example.com");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expectedHubs(BOB_ID));
    expect((res.body as { rows: unknown[] }).rows).toEqual([]);
  });

  it("shows carol her personal hub", async () => {
    const res = await hubsFor("carol@example.com");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expectedHubs(CAROL_ID));
    expect((res.body as { rows: unknown[] }).rows).toHaveLength(1);
  });
});
