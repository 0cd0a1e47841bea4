/**
 * Isolation of the app process, over real HTTP: apps in a temporary directory outside the project (no
 * node_modules) importing gatehouse/sdk load each in its own process, and a broken one does not stop the
 * others; the process gets no hub secrets, cannot read the hub's data or write files or start processes;
 * throwing, forging, hanging, spinning and crashing views fail alone.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runView, valuesOf } from "../helpers/appsHub.ts";
import { GAMMA, useIsolatedApps } from "../helpers/isolatedApps.ts";

const iso = useIsolatedApps();

describe("loading", () => {
  it("loads apps from a directory outside the project that import gatehouse/sdk; a broken one does not stop the others", async () => {
    const user = await iso.t.newUser();
    const res =
      await user.get<{ name: string; status: string; error: string | null; warnings: string[] }[]>(
        "/api/apps",
      );
    const byName = new Map(res.body.map((a) => [a.name, a]));
    expect(byName.get("alpha")?.status).toBe("ready");
    expect(byName.get("beta")?.status).toBe("ready");
    expect(byName.get("broken")).toMatchObject({
      status: "error",
      error: expect.stringContaining("broken on purpose"),
    });
    expect(byName.has("Bad Name!")).toBe(false);
    expect(byName.get("unresolved")?.error).toMatch(/app\.ts:2:\d+: Could not resolve "left-pad"/);
    expect(iso.registry.failures.map((f) => f.message).join("\n")).toMatch(
      /bad-config\/gatehouse\.config\.toml: key "name" expected/,
    );
    expect(byName.get("alpha")?.warnings).toEqual([
      expect.stringMatching(/lists beta-service, but the integration is not assigned to alpha/),
      expect.stringMatching(/lists nowhere, but no integration of that name exists/),
    ]);
    const admin = await iso.t.admin();
    const overview = await admin.get<{ failures: { dir: string; message: string }[] }>("/api/admin/apps");
    expect(overview.status).toBe(200);
    expect(overview.body.failures).toEqual([
      { dir: join(iso.appsDir, "bad-config"), message: expect.stringMatching(/key "name" expected/) },
    ]);
    expect((await user.get("/api/admin/apps")).status).toBe(403);
    const broken = await runView(user, "broken", "token");
    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({ code: "app_load_failed" });
  });

  it("reloads an app from its changed files on restart", async () => {
    const user = await iso.t.newUser();
    const label = async () =>
      (await user.get<{ views: { label: string }[] }>("/api/apps/gamma")).body.views[0]!.label;
    expect(await label()).toBe("v1");
    writeFileSync(join(iso.appsDir, "gamma", "app.ts"), GAMMA("v2"));
    await Promise.all([iso.registry.restart("gamma"), iso.registry.restart("gamma")]);
    expect(await label()).toBe("v2");
    expect((await runView(user, "gamma", "v")).status).toBe(200);
  });

  it("gives the app process a scrubbed environment", async () => {
    const res = await runView(await iso.t.newUser(), "alpha", "env");
    expect(res.status).toBe(200);
    const values = valuesOf(res.body);
    expect(values.canary).toBe(0);
    expect(String(values.keys)).not.toMatch(/DATABASE|ENCRYPTION|ADMIN|VITEST|GATEHOUSE_CANARY/);
  });
});

describe("the app process's reach", () => {
  it("cannot read the hub's data directory, write files or start processes; can read its own directory", async () => {
    const { dataDir } = iso.t.hub.services.config;
    const keyFile = join(dataDir, "sentinel.txt");
    writeFileSync(keyFile, "secret");
    const res = await runView(await iso.t.newUser(), "alpha", "files", { path: keyFile });
    expect(res.status).toBe(200);
    expect(valuesOf(res.body)).toEqual({
      read: "ERR_ACCESS_DENIED",
      own: "allowed",
      write: "ERR_ACCESS_DENIED",
      spawn: "ERR_ACCESS_DENIED",
    });
  });
});

describe("failures", () => {
  it("a view that throws fails alone with a clear error", async () => {
    const user = await iso.t.newUser();
    const res = await runView(user, "alpha", "fail");
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ code: "view_failed", detail: 'View "fail" failed: the app\'s own bug' });
    // VIKTOR's UserError: the app's own words for the user, as 422 user_error (as for Python apps).
    const refused = await runView(user, "alpha", "userError");
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: "user_error", detail: "Pick a width below 10 m" });
    const deep = await runView(user, "alpha", "tooDeep");
    expect(deep.body).toMatchObject({
      code: "invalid_result",
      detail: expect.stringMatching(/"a" > "b" > "c".*depth 4/),
    });
    expect((await runView(user, "alpha", "env")).status).toBe(200);
  });

  it("an app cannot forge the hub's answers: login URLs are the hub's, codes and statuses are checked", async () => {
    const user = await iso.t.newUser();
    const login = await runView(user, "alpha", "phish", { integration: "login_required" });
    expect(login.status).toBe(401);
    expect(login.body).toEqual(
      expect.objectContaining({
        code: "login_required",
        loginUrl: "/api/integrations/oauth2/login/bentley-itwin?app=alpha",
        integration: "bentley-itwin",
      }),
    );
    expect(login.body).not.toHaveProperty("secret");
    const hubCode = await runView(user, "alpha", "phish", { integration: "unauthenticated" });
    expect(hubCode.status).toBe(500);
    expect(hubCode.body).toMatchObject({ code: "view_failed" });
  });

  it("a hanging or spinning view times out, and the next call to the same app succeeds", async () => {
    const user = await iso.t.newUser();
    const before = iso.registry.viewTimeoutMs;
    for (const view of ["hang", "spin"]) {
      // Short only for the view that never answers: the next call starts a fresh process, which on a
      // loaded machine may take longer than 1.5 s, so it gets the normal timeout.
      iso.registry.setViewTimeout(1_500);
      try {
        const res = await runView(user, "alpha", view);
        expect(res.status).toBe(504);
        expect(res.body).toMatchObject({ code: "view_timeout" });
      } finally {
        iso.registry.setViewTimeout(before);
      }
      expect((await runView(user, "alpha", "env")).status).toBe(200);
    }
  });

  it("a view that exits the process fails; other apps keep serving; the app restarts", async () => {
    const user = await iso.t.newUser();
    const pidBefore = iso.registry.get("alpha")!.pid;
    const [crash, other] = await Promise.all([
      runView(user, "alpha", "crash"),
      runView(user, "beta", "token", { integration: "beta-service" }),
    ]);
    expect(crash.status).toBe(502);
    expect(crash.body).toMatchObject({ code: "app_crashed" });
    expect(other.status).toBe(200);
    expect((await runView(user, "alpha", "env")).status).toBe(200);
    expect(iso.registry.get("alpha")!.pid).not.toBe(pidBefore);
  });
});
