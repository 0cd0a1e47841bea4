/**
 * The two Python examples (the seeds' own controllers) end to end, up to where the hub will take over: a
 * real hub and the provider emulators, the demo users connected through the emulators' sign-in pages, a
 * capability minted for each invocation, and the Python worker running examples/<app>-py/app.py over the
 * runtime protocol — the seeds' `requests` calls reach the emulators through the worker's host mapping and
 * their tokens come from the hub's runtime token route. Until the hub loads `.py` entries (the isolation
 * issue), a stub TypeScript app of the same name stands in for the app in the hub's registry, so that the
 * token route knows which integrations the app lists. Expected answers come from the emulators' seeds.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CapabilityStore } from "../src/apps/capabilities.ts";
import { apiHostMap } from "../src/apps/hostMap.ts";
import { BentleyDirectory } from "../src/emulators/bentley/api/directory.ts";
import { createAutodeskSeed } from "../src/emulators/shared/seedAutodesk.ts";
import { ALICE_ID, BOB_ID, CAROL_ID, createBentleySeed } from "../src/emulators/shared/seedBentley.ts";
import { DataGroup, DataItem, DataResult, TableResult } from "../src/sdk/index.ts";
import { useEmulatorHostMap } from "./helpers/appsHub.ts";
import { startTestHub, type TestHub } from "./helpers/hub.ts";
import { startPythonWorker, type PythonWorker, type WorkerMessage } from "./helpers/pythonWorker.ts";
import { useTempDir } from "./helpers/tempDir.ts";

const EXAMPLES = join(import.meta.dirname, "../examples");
const APPS = [
  { name: "itwin-browser-py", integration: "bentley-itwin", view: "get_bentley_data" },
  { name: "acc-hubs-py", integration: "autodesk-aps", view: "get_hubs" },
] as const;

const appsDir = useTempDir("gatehouse-py-stubs-");
let t: TestHub;
let capabilities: CapabilityStore;
const workers = new Map<string, PythonWorker>();

/** A TypeScript app of the Python app's name and integrations: the registry entry the hub will make itself. */
function writeStub(dir: string, name: string, integration: string): void {
  mkdirSync(join(dir, name));
  writeFileSync(
    join(dir, name, "gatehouse.config.toml"),
    `name = "${name}"\nentry = "app.ts"\noauth2_integrations = ["${integration}"]\n`,
  );
  writeFileSync(
    join(dir, name, "app.ts"),
    `import { DataGroup, DataResult, dataView, defineApp } from "gatehouse/sdk";\n` +
      `export default defineApp({ parametrization: {}, views: { stub: dataView("Stub", {}, () => new DataResult(new DataGroup())) } });\n`,
  );
}

beforeAll(async () => {
  for (const app of APPS) writeStub(appsDir(), app.name, app.integration);
  t = await startTestHub({ config: { appsDirs: [appsDir()], sandbox: true } });
  useEmulatorHostMap(t);
  capabilities = new CapabilityStore(t.hub.services.store.db);
  const admin = await t.admin();
  for (const app of APPS) {
    const current = await admin.get<{ apps: string[] }>(`/api/admin/integrations/${app.integration}`);
    const assigned = await admin.patch(`/api/admin/integrations/${app.integration}`, {
      apps: [...current.body.apps, app.name],
    });
    expect(assigned.status).toBe(200);
    const worker = startPythonWorker(join(EXAMPLES, app.name));
    workers.set(app.name, worker);
  }
});
afterAll(async () => {
  await Promise.all([...workers.values()].map((worker) => worker.close()));
  await t?.close();
});

/** Runs the app's view for `email` (connected through the emulator first) and returns the worker's answer. */
async function runAs(email: string, appName: (typeof APPS)[number]["name"]): Promise<WorkerMessage> {
  const app = APPS.find((a) => a.name === appName)!;
  const client = await t.signIn(email);
  expect((await t.connect(client, app.integration, email, { app: app.name })).status).toBe(302);
  const me = await client.get<{ id: string }>("/api/me");
  const invocationId = randomUUID();
  const capability = await capabilities.mint({
    app: app.name,
    userId: me.body.id,
    invocationId,
    ttlMs: 60_000,
  });
  try {
    return await workers.get(app.name)!.invoke({
      view: app.view,
      hubUrl: t.url,
      capability,
      hostMap: apiHostMap(t.hub.services.config),
    });
  } finally {
    await capabilities.revokeInvocation(invocationId);
  }
}

/** The seed code's tree for `subject`: Project iTwins (minimal: no status), iModels with representation. */
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

describe("the Python workers of the examples", () => {
  it("report the seeds' parametrization and views", async () => {
    const itwin = await workers.get("itwin-browser-py")!.next();
    expect(itwin).toMatchObject({
      type: "ready",
      protocol: 1,
      manifest: {
        parametrization: [
          { name: "intro", type: "text", content: "# Bentley iTwin OAuth2 Integration" },
          { name: "explanation", type: "text" },
        ],
        views: [{ name: "get_bentley_data", kind: "data", label: "Bentley data", durationGuess: 2 }],
      },
    });
    const acc = await workers.get("acc-hubs-py")!.next();
    expect(acc).toMatchObject({
      type: "ready",
      manifest: { views: [{ name: "get_hubs", kind: "table", label: "Get ACC Hubs", durationGuess: null }] },
    });
  });
});

describe("itwin-browser-py (the Bentley guide's controller)", () => {
  it("shows alice her Project iTwins with their iModels, as the seed's code builds them", async () => {
    const answer = await runAs("alice@example.com", "itwin-browser-py");
    expect(answer).toMatchObject({ type: "result", ok: true });
    expect(answer.result).toEqual(expectedITwinTree(ALICE_ID));
    expect(JSON.stringify(answer.result)).toContain("No iModels found");
  });

  it('shows bob "No iTwins found"', async () => {
    const answer = await runAs("bob@example.com", "itwin-browser-py");
    expect(answer.result).toEqual(expectedITwinTree(BOB_ID));
    expect(JSON.stringify(answer.result)).toContain("No iTwins found");
  });

  it("explains carol's 403: the scope is fine, her role lacks imodels_read", async () => {
    const answer = await runAs("carol@example.com", "itwin-browser-py");
    expect(answer).toMatchObject({
      type: "result",
      ok: false,
      error: {
        code: "provider_http_error",
        details: {
          providerStatus: 403,
          providerCode: "InsufficientPermissions",
          url: expect.stringMatching(/^https:\/\/api\.bentley\.com\/imodels\/\?iTwinId=/),
        },
      },
    });
    const message = (answer.error as { message: string }).message;
    expect(message).toMatch(
      /^Bentley refused the request: the integration's scope \(itwin-platform\) is fine/,
    );
    expect(message).toContain("lacks a permission the call needs (imodels_read)");
  });

  it("asks a user with no connection to sign in, with the hub's login URL", async () => {
    const user = await t.newUser();
    const me = await user.get<{ id: string }>("/api/me");
    const capability = await capabilities.mint({
      app: "itwin-browser-py",
      userId: me.body.id,
      invocationId: randomUUID(),
      ttlMs: 60_000,
    });
    const answer = await workers.get("itwin-browser-py")!.invoke({
      view: "get_bentley_data",
      hubUrl: t.url,
      capability,
      hostMap: apiHostMap(t.hub.services.config),
    });
    expect(answer.error).toEqual({
      code: "login_required",
      message: expect.any(String),
      details: {
        loginUrl: "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser-py",
        integration: "bentley-itwin",
      },
    });
  });
});

describe("acc-hubs-py (the Autodesk guide's controller)", () => {
  it("shows alice her hubs", async () => {
    const answer = await runAs("alice@example.com", "acc-hubs-py");
    expect(answer.result).toEqual(expectedHubs(ALICE_ID));
    expect((answer.result as { rows: unknown[] }).rows.length).toBeGreaterThan(1);
  });

  it("shows bob an empty table (no ACC custom integration: Autodesk answers no hubs)", async () => {
    const answer = await runAs("bob@example.com", "acc-hubs-py");
    expect(answer.result).toEqual(expectedHubs(BOB_ID));
    expect((answer.result as { rows: unknown[] }).rows).toEqual([]);
  });

  it("shows carol her personal hub", async () => {
    const answer = await runAs("carol@example.com", "acc-hubs-py");
    expect(answer.result).toEqual(expectedHubs(CAROL_ID));
    expect((answer.result as { rows: unknown[] }).rows).toHaveLength(1);
  });
});
