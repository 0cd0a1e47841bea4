import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportAppMismatches } from "../../src/cli/start.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";
import { useTestHub } from "../helpers/suiteHub.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures", import.meta.url));

interface AppLinks {
  integration: string;
  appsLoaded: boolean;
  apps: { app: string; assigned: string | null; listed: boolean; loaded: boolean; problem: string | null }[];
}

// The Bentley guide's trap: the admin creates an integration and assigns it to an app, but nothing changes
// until the app's gatehouse.config.toml lists it too. Every page the admin looks at must say which half is
// missing: the integration's page, the app's page, and the start log.
describe("diagnostics: app configs against assignments", () => {
  let t: TestHub;
  let admin: HubClient;
  beforeAll(async () => {
    t = await startTestHub({ config: { appsDirs: [FIXTURES] } });
    admin = await t.admin();
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (name: string, apps: string[]) =>
    admin.post("/api/admin/integrations", {
      name,
      provider: "bentley-itwin",
      apps,
      clientId: "sandbox-web",
      clientSecret: "sandbox-web-secret",
    });
  const warnings = async (app: string) =>
    (await admin.get<{ warnings: string[] }>(`/api/apps/${app}`)).body.warnings;
  const links = async (name: string) =>
    (await admin.get<AppLinks>(`/api/admin/integrations/${name}/apps`)).body;

  it("says an app lists integrations that do not exist yet", async () => {
    const said = await warnings("guide-itwin");
    expect(said).toContain(
      "guide-itwin's gatehouse.config.toml lists viktor-itwin-integration, but no integration of that name exists on this hub: an admin creates it, or the config names another.",
    );
    expect(said.some((w) => w.includes("lists viktor-itwin-generic, but no integration"))).toBe(true);
  });

  it("says an integration is assigned to an app whose config does not list it, on both pages", async () => {
    // bentley-itwin (seeded for itwin-browser) is assigned to guide-itwin too, which does not list it.
    const patched = await admin.patch("/api/admin/integrations/bentley-itwin", {
      apps: ["itwin-browser", "guide-itwin"],
    });
    expect(patched.status).toBe(200);
    expect(await warnings("guide-itwin")).toContain(
      "bentley-itwin is assigned to guide-itwin, but guide-itwin's gatehouse.config.toml does not list it in oauth2_integrations, so the app cannot use it: add it there and restart the hub.",
    );
    const page = await links("bentley-itwin");
    expect(page.appsLoaded).toBe(true);
    expect(page.apps).toEqual([
      {
        app: "guide-itwin",
        title: "Bentley iTwin guide",
        loaded: true,
        assigned: "name",
        listed: false,
        problem:
          "guide-itwin's gatehouse.config.toml does not list bentley-itwin in oauth2_integrations: the app cannot use it until it does.",
      },
      {
        app: "itwin-browser",
        title: null,
        loaded: false,
        assigned: "name",
        listed: false,
        problem: "No app named itwin-browser is loaded on this hub.",
      },
    ]);
  });

  it("says an app lists an integration that is not assigned to it", async () => {
    expect((await create("viktor-itwin-generic", [])).status).toBe(201);
    expect(await warnings("guide-itwin")).toContain(
      "guide-itwin's gatehouse.config.toml lists viktor-itwin-generic, but the integration is not assigned to guide-itwin: an admin adds guide-itwin under Integrations → viktor-itwin-generic → Apps that may use it.",
    );
    expect((await links("viktor-itwin-generic")).apps).toEqual([
      expect.objectContaining({
        app: "guide-itwin",
        assigned: null,
        listed: true,
        problem:
          "guide-itwin's gatehouse.config.toml lists viktor-itwin-generic, but it is not assigned to guide-itwin: tick it under Apps that may use it.",
      }),
    ]);
  });

  it("is quiet once both halves agree, and counts an assignment to every app", async () => {
    expect((await create("viktor-itwin-integration", ["guide-itwin"])).status).toBe(201);
    expect((await admin.patch("/api/admin/integrations/viktor-itwin-generic", { apps: ["*"] })).status).toBe(
      200,
    );
    expect(
      (await admin.patch("/api/admin/integrations/bentley-itwin", { apps: ["itwin-browser"] })).status,
    ).toBe(200);
    expect(await warnings("guide-itwin")).toEqual([]);
    expect((await links("viktor-itwin-integration")).apps).toEqual([
      expect.objectContaining({ app: "guide-itwin", assigned: "name", listed: true, problem: null }),
    ]);
    expect((await links("viktor-itwin-generic")).apps).toEqual([
      expect.objectContaining({ app: "guide-itwin", assigned: "all", listed: true, problem: null }),
    ]);
    // The app can now start connecting with either integration.
    const alice = await t.signIn("alice@example.com");
    const start = await alice.fetch(
      "GET",
      "/api/integrations/oauth2/login/viktor-itwin-integration?app=guide-itwin",
    );
    expect(start.status).toBe(302);
  });

  it("names both kinds of mismatch in the start log", async () => {
    expect((await create("assigned-only", ["guide-aps"])).status).toBe(201);
    const before = t.logs.length;
    const sentences = await reportAppMismatches(t.hub);
    expect(sentences).toContain(
      "assigned-only is assigned to guide-aps, but guide-aps's gatehouse.config.toml does not list it in oauth2_integrations, so the app cannot use it: add it there and restart the hub.",
    );
    expect(sentences).toContain(
      "guide-aps's gatehouse.config.toml lists aps-integration-1, but no integration of that name exists on this hub: an admin creates it, or the config names another.",
    );
    const logged = t.logs
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "app and hub disagree about its integrations");
    expect(logged).toEqual([
      expect.objectContaining({
        level: 40,
        app: "guide-aps",
        assignedNotListed: ["assigned-only"],
        listedUnknown: ["aps-integration-1"],
      }),
    ]);
  });

  it("is for admins, and 404s for an unknown integration", async () => {
    const bob = await t.signIn("bob@example.com");
    expect((await bob.get("/api/admin/integrations/bentley-itwin/apps")).status).toBe(403);
    expect((await admin.get("/api/admin/integrations/nope/apps")).status).toBe(404);
  });
});

describe("diagnostics on a hub that loads no apps", () => {
  const t = useTestHub({ emulators: false });

  it("says there is nothing to compare with", async () => {
    const admin = await t().admin();
    const created = await admin.post("/api/admin/integrations", {
      name: "lonely",
      provider: "bentley-itwin",
      apps: ["some-app"],
      clientId: "c",
      clientSecret: "s",
    });
    expect(created.status).toBe(201);
    const res = await admin.get<AppLinks>("/api/admin/integrations/lonely/apps");
    expect(res.body).toEqual({ integration: "lonely", appsLoaded: false, apps: [] });
    expect(await reportAppMismatches(t().hub)).toEqual([]);
  });
});
