/**
 * Isolation of app code, over real HTTP: apps in a temporary directory outside the project (no
 * node_modules) importing gatehouse/sdk, each in its own process. App A must not get app B's integration
 * by any route; a view for user X never sees user Y's token; capabilities cannot be guessed, replayed or
 * used after they expire; hanging and crashing views fail alone; the app process gets no hub secrets.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CapabilityStore } from "../src/apps/capabilities.ts";
import type { AppRegistry } from "../src/apps/registry.ts";
import type { DataResultJSON } from "../src/sdk/results.ts";
import { startTestHub, type HubClient, type TestHub } from "./helpers/hub.ts";
import { useEmulatorHostMap } from "./helpers/appsHub.ts";

const CANARY = `canary-${randomBytes(8).toString("hex")}`;

/** App code shared by alpha and beta: views that report what they could get, never throwing for it. */
const APP_SOURCE = (views: string) => `
import { defineApp, dataView, textField, DataResult, DataGroup, DataItem, OAuth2Integration, GatehouseSdkError } from "gatehouse/sdk";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

// A curious app watches its own requests to learn its capability and the hub's address.
let seen: { capability: string; url: string } | null = null;
const realFetch = globalThis.fetch;
globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const capability = new Headers(init?.headers).get("x-gatehouse-capability");
  if (capability) seen = { capability, url: String(input) };
  return realFetch(input, init);
};

const items = (record: Record<string, string | number | null>) =>
  new DataResult(new DataGroup(...Object.entries(record).map(([k, v]) => new DataItem(k, v))));

async function tokenOf(name: string) {
  try {
    return { token: await new OAuth2Integration(name).getAccessToken() };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
}

export default defineApp({
  parametrization: { integration: textField({ default: "bentley-itwin" }), path: textField() },
  views: {
    token: dataView("Token", {}, async ({ params }) => {
      const got = await tokenOf(String(params.integration));
      return items({ token: got.token ?? null, error: got.error ?? null, capability: seen?.capability ?? null });
    }),
    handcrafted: dataView("Hand-crafted token request", {}, async ({ params }) => {
      await tokenOf("bentley-itwin");
      if (!seen) return items({ error: "no capability seen" });
      const res = await realFetch(seen.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-gatehouse-capability": seen.capability },
        body: JSON.stringify({ integration: String(params.integration) }),
      });
      const body = (await res.json()) as { code?: string; accessToken?: string };
      return items({ status: res.status, code: body.code ?? null, gotToken: body.accessToken ? 1 : 0 });
    }),
    env: dataView("Environment", {}, () =>
      items({ keys: Object.keys(process.env).sort().join(","), canary: JSON.stringify(process.env).includes(${JSON.stringify(CANARY)}) ? 1 : 0 })),
    files: dataView("Files", {}, ({ params }) => {
      const attempt = (fn: () => unknown) => {
        try {
          fn();
          return "allowed";
        } catch (err) {
          return (err as { code?: string }).code ?? "failed";
        }
      };
      return items({
        read: attempt(() => readFileSync(String(params.path))),
        own: attempt(() => readFileSync(new URL("./gatehouse.config.toml", "file://" + process.cwd() + "/"))),
        write: attempt(() => writeFileSync(process.cwd() + "/written.txt", "x")),
        spawn: attempt(() => execFileSync("cat", [String(params.path)])),
      });
    }),
    forced: dataView("Forced refresh twice", {}, async () => {
      await tokenOf("bentley-itwin");
      if (!seen) return items({ error: "no capability seen" });
      const ask = async () => {
        const res = await realFetch(seen!.url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-gatehouse-capability": seen!.capability },
          body: JSON.stringify({ integration: "bentley-itwin", forceRefresh: true }),
        });
        return ((await res.json()) as { accessToken?: string }).accessToken ?? null;
      };
      return items({ first: await ask(), second: await ask() });
    }),
    phish: dataView("Phish", {}, ({ params }) => {
      class Lure extends GatehouseSdkError {
        override details() {
          return { loginUrl: "https://evil.example/login", integration: "bentley-itwin", secret: "x" };
        }
      }
      throw new Lure(String(params.integration), "Sign in again, please", 200);
    }),
    hang: dataView("Hang", {}, () => new Promise<DataResult>(() => {})),
    spin: dataView("Spin", {}, () => { for (;;) {} }),
    crash: dataView("Crash", {}, () => { process.exit(7); }),
    fail: dataView("Fail", {}, () => { throw new Error("the app's own bug"); }),
    tooDeep: dataView("Too deep", {}, () => {
      const deep = new DataGroup(new DataItem("d", 1));
      const nest = (g: DataGroup, label: string) => new DataGroup(new DataItem(label, null, { subgroup: g }));
      return new DataResult(nest(nest(nest(deep, "c"), "b"), "a"));
    }),
    ${views}
  },
});
`;

const GAMMA = (label: string) => `
import { defineApp, dataView, DataResult, DataGroup } from "gatehouse/sdk";
export default defineApp({ parametrization: {}, views: { v: dataView("${label}", {}, () => new DataResult(new DataGroup())) } });
`;

function writeApp(root: string, name: string, config: string, source: string): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "gatehouse.config.toml"), config);
  writeFileSync(join(dir, "app.ts"), source);
}

let t: TestHub;
let appsDir: string;
let registry: AppRegistry;

const run = (client: HubClient, app: string, view: string, params: Record<string, unknown> = {}) =>
  client.post<DataResultJSON & { code?: string; detail?: string }>(`/api/apps/${app}/views/${view}`, {
    params,
  });

const valuesOf = (body: DataResultJSON) =>
  Object.fromEntries(body.groups[0]!.items.map((item) => [item.label, item.value]));

beforeAll(async () => {
  appsDir = mkdtempSync(join(tmpdir(), "gatehouse-apps-"));
  writeApp(
    appsDir,
    "alpha",
    `name = "alpha"\ntitle = "Alpha"\noauth2_integrations = ["bentley-itwin", "beta-service", "nowhere"]\n`,
    APP_SOURCE(""),
  );
  writeApp(appsDir, "gamma", `name = "gamma"\n`, GAMMA("v1"));
  writeApp(appsDir, "beta", `name = "beta"\noauth2_integrations = ["beta-service"]\n`, APP_SOURCE(""));
  writeApp(
    appsDir,
    "broken",
    `name = "broken"\n`,
    `import "gatehouse/sdk";\nthrow new Error("broken on purpose at import");\n`,
  );
  writeApp(
    appsDir,
    "unresolved",
    `name = "unresolved"\n`,
    `\nimport pad from "left-pad";\nexport default pad;\n`,
  );
  writeApp(appsDir, "bad-config", `name = "Bad Name!"\n`, `export default 1;\n`);
  process.env.GATEHOUSE_CANARY_SECRET = CANARY;
  t = await startTestHub({ config: { appsDirs: [appsDir], sandbox: true } });
  useEmulatorHostMap(t);
  registry = t.hub.services.apps as AppRegistry;
  const { integrations } = t.hub.services;
  // alpha may use the user integration; beta-service is beta's alone (alpha lists it but is not assigned).
  await integrations.update("bentley-itwin", { apps: ["itwin-browser", "alpha"] });
  const service = (await integrations.get("bentley-itwin-service"))!;
  await integrations.create({
    ...service,
    name: "beta-service",
    apps: ["beta"],
    description: "beta's own service identity",
  });
});

afterAll(async () => {
  await t?.close();
  delete process.env.GATEHOUSE_CANARY_SECRET;
  rmSync(appsDir, { recursive: true, force: true });
});

describe("loading", () => {
  it("loads apps from a directory outside the project that import gatehouse/sdk; a broken one does not stop the others", async () => {
    const user = await t.newUser();
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
    expect(registry.failures.map((f) => f.message).join("\n")).toMatch(
      /bad-config\/gatehouse\.config\.toml: key "name" expected/,
    );
    expect(byName.get("alpha")?.warnings).toEqual([
      expect.stringMatching(/lists beta-service, but the integration is not assigned to alpha/),
      expect.stringMatching(/lists nowhere, but no integration of that name exists/),
    ]);
    const admin = await t.admin();
    const overview = await admin.get<{ failures: { dir: string; message: string }[] }>("/api/admin/apps");
    expect(overview.status).toBe(200);
    expect(overview.body.failures).toEqual([
      { dir: join(appsDir, "bad-config"), message: expect.stringMatching(/key "name" expected/) },
    ]);
    expect((await user.get("/api/admin/apps")).status).toBe(403);
    const broken = await run(user, "broken", "token");
    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({ code: "app_load_failed" });
  });

  it("reloads an app from its changed files on restart", async () => {
    const user = await t.newUser();
    const label = async () =>
      (await user.get<{ views: { label: string }[] }>("/api/apps/gamma")).body.views[0]!.label;
    expect(await label()).toBe("v1");
    writeFileSync(join(appsDir, "gamma", "app.ts"), GAMMA("v2"));
    await Promise.all([registry.restart("gamma"), registry.restart("gamma")]);
    expect(await label()).toBe("v2");
    expect((await run(user, "gamma", "v")).status).toBe(200);
  });

  it("gives the app process a scrubbed environment", async () => {
    const res = await run(await t.newUser(), "alpha", "env");
    expect(res.status).toBe(200);
    const values = valuesOf(res.body);
    expect(values.canary).toBe(0);
    expect(String(values.keys)).not.toMatch(/DATABASE|ENCRYPTION|ADMIN|VITEST|GATEHOUSE_CANARY/);
  });
});

describe("the app process's reach", () => {
  it("cannot read the hub's data directory, write files or start processes; can read its own directory", async () => {
    const { dataDir } = t.hub.services.config;
    const keyFile = join(dataDir, "sentinel.txt");
    writeFileSync(keyFile, "secret");
    const res = await run(await t.newUser(), "alpha", "files", { path: keyFile });
    expect(res.status).toBe(200);
    expect(valuesOf(res.body)).toEqual({
      read: "ERR_ACCESS_DENIED",
      own: "allowed",
      write: "ERR_ACCESS_DENIED",
      spawn: "ERR_ACCESS_DENIED",
    });
  });
});

describe("integrations of another app", () => {
  it("beta gets its own service token (the positive control)", async () => {
    const res = await run(await t.newUser(), "beta", "token", { integration: "beta-service" });
    expect(res.status).toBe(200);
    expect(valuesOf(res.body)).toMatchObject({ error: null, token: expect.any(String) });
  });

  it("alpha cannot get beta's integration through the SDK, even though its config lists it", async () => {
    const res = await run(await t.newUser(), "alpha", "token", { integration: "beta-service" });
    expect(valuesOf(res.body)).toMatchObject({ token: null, error: "integration_not_assigned" });
  });

  it("alpha cannot get an integration its config does not list, even one assigned to every app", async () => {
    const { integrations } = t.hub.services;
    await integrations.update("bentley-itwin-service", { apps: ["*"] });
    try {
      const res = await run(await t.newUser(), "alpha", "token", { integration: "bentley-itwin-service" });
      expect(valuesOf(res.body)).toMatchObject({ token: null, error: "integration_not_assigned" });
    } finally {
      await integrations.update("bentley-itwin-service", { apps: ["itwin-service"] });
    }
  });

  it("names unknown integrations as such", async () => {
    const res = await run(await t.newUser(), "alpha", "token", { integration: "nowhere" });
    expect(valuesOf(res.body)).toMatchObject({ error: "integration_not_found" });
  });

  it("alpha cannot get beta's integration with a hand-crafted request carrying its own capability", async () => {
    const alice = await t.signIn("alice@example.com");
    const res = await run(alice, "alpha", "handcrafted", { integration: "beta-service" });
    expect(res.status).toBe(200);
    expect(valuesOf(res.body)).toEqual({ status: 403, code: "integration_not_assigned", gotToken: 0 });
  });
});

describe("capabilities", () => {
  const tokenRequest = (capability: string, integration = "beta-service") =>
    fetch(`${t.url}/api/runtime/token`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-gatehouse-capability": capability },
      body: JSON.stringify({ integration }),
    });

  it("refuses a guessed capability", async () => {
    const res = await tokenRequest(`ghcap_${randomBytes(32).toString("base64url")}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "invalid_capability" });
    expect((await tokenRequest("anything")).status).toBe(401);
    const none = await fetch(`${t.url}/api/runtime/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ integration: "beta-service" }),
    });
    expect(none.status).toBe(401);
  });

  it("refuses a capability replayed after its invocation ended", async () => {
    const alice = await t.signIn("alice@example.com");
    await t.connect(alice, "bentley-itwin", "alice@example.com");
    const res = await run(alice, "alpha", "token");
    const { capability, token } = valuesOf(res.body);
    expect(typeof token).toBe("string");
    expect(String(capability)).toMatch(/^ghcap_/);
    const replay = await tokenRequest(String(capability), "bentley-itwin");
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: "invalid_capability" });
  });

  it("refuses an expired capability, and stores only its hash", async () => {
    const { db } = t.hub.services.store;
    const past = new CapabilityStore(db, () => Date.now() - 120_000);
    const capability = await past.mint({
      app: "beta",
      userId: "u",
      invocationId: "expired-test",
      ttlMs: 60_000,
    });
    const res = await tokenRequest(capability);
    expect(res.status).toBe(401);
    const rows = await db
      .selectFrom("app_capabilities")
      .selectAll()
      .where("invocation_id", "=", "expired-test")
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(capability);
    await past.revokeInvocation("expired-test");
  });
});

describe("users", () => {
  it("a view run for alice gets alice's token, and for bob bob's — never the other's", async () => {
    const alice = await t.signIn("alice@example.com");
    const bob = await t.signIn("bob@example.com");
    await t.connect(alice, "bentley-itwin", "alice@example.com");
    await t.connect(bob, "bentley-itwin", "bob@example.com");
    const direct = async (client: HubClient) =>
      (await client.get<{ accessToken: string }>("/api/apps/alpha/integrations/bentley-itwin/token")).body
        .accessToken;
    const [aliceToken, bobToken] = [await direct(alice), await direct(bob)];
    expect(aliceToken).not.toBe(bobToken);
    const [aliceView, bobView] = await Promise.all([
      run(alice, "alpha", "token"),
      run(bob, "alpha", "token"),
    ]);
    expect(valuesOf(aliceView.body).token).toBe(aliceToken);
    expect(valuesOf(bobView.body).token).toBe(bobToken);
    // A user with no connection gets login_required, not somebody else's token.
    const carolish = await run(await t.newUser(), "alpha", "token");
    expect(valuesOf(carolish.body)).toMatchObject({ token: null, error: "login_required" });
  });
});

describe("forced refresh", () => {
  it("refreshes at the provider once per invocation, however often the app asks", async () => {
    const alice = await t.signIn("alice@example.com");
    await t.connect(alice, "bentley-itwin", "alice@example.com");
    const before = (
      await alice.get<{ accessToken: string }>("/api/apps/alpha/integrations/bentley-itwin/token")
    ).body.accessToken;
    const refreshes = () => t.emulators!.bentley.stats().token.refresh_token.ok;
    const counted = refreshes();
    const res = await run(alice, "alpha", "forced");
    const { first, second } = valuesOf(res.body);
    expect(first).not.toBe(before);
    expect(second).toBe(first);
    expect(refreshes() - counted).toBe(1);
  });
});

describe("failures", () => {
  it("a view that throws fails alone with a clear error", async () => {
    const user = await t.newUser();
    const res = await run(user, "alpha", "fail");
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ code: "view_failed", detail: 'View "fail" failed: the app\'s own bug' });
    const deep = await run(user, "alpha", "tooDeep");
    expect(deep.body).toMatchObject({
      code: "invalid_result",
      detail: expect.stringMatching(/"a" > "b" > "c".*depth 4/),
    });
    expect((await run(user, "alpha", "env")).status).toBe(200);
  });

  it("an app cannot forge the hub's answers: login URLs are the hub's, codes and statuses are checked", async () => {
    const user = await t.newUser();
    const login = await run(user, "alpha", "phish", { integration: "login_required" });
    expect(login.status).toBe(401);
    expect(login.body).toEqual(
      expect.objectContaining({
        code: "login_required",
        loginUrl: "/api/integrations/oauth2/login/bentley-itwin?app=alpha",
        integration: "bentley-itwin",
      }),
    );
    expect(login.body).not.toHaveProperty("secret");
    const hubCode = await run(user, "alpha", "phish", { integration: "unauthenticated" });
    expect(hubCode.status).toBe(500);
    expect(hubCode.body).toMatchObject({ code: "view_failed" });
  });

  it("a hanging or spinning view times out, and the next call to the same app succeeds", async () => {
    const user = await t.newUser();
    const before = registry.viewTimeoutMs;
    for (const view of ["hang", "spin"]) {
      // Short only for the view that never answers: the next call starts a fresh process, which on a
      // loaded machine may take longer than 1.5 s, so it gets the normal timeout.
      registry.setViewTimeout(1_500);
      try {
        const res = await run(user, "alpha", view);
        expect(res.status).toBe(504);
        expect(res.body).toMatchObject({ code: "view_timeout" });
      } finally {
        registry.setViewTimeout(before);
      }
      expect((await run(user, "alpha", "env")).status).toBe(200);
    }
  });

  it("a view that exits the process fails; other apps keep serving; the app restarts", async () => {
    const user = await t.newUser();
    const pidBefore = registry.get("alpha")!.pid;
    const [crash, other] = await Promise.all([
      run(user, "alpha", "crash"),
      run(user, "beta", "token", { integration: "beta-service" }),
    ]);
    expect(crash.status).toBe(502);
    expect(crash.body).toMatchObject({ code: "app_crashed" });
    expect(other.status).toBe(200);
    expect((await run(user, "alpha", "env")).status).toBe(200);
    expect(registry.get("alpha")!.pid).not.toBe(pidBefore);
  });
});
