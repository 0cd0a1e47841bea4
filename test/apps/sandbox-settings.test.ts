/**
 * GATEHOUSE_APP_SANDBOX: `off` runs apps with today's protections only (one loud warning, admins told),
 * `required` refuses to start an app where the sandbox cannot run, `auto` sandboxes where it can (and where it
 * cannot, runs TypeScript apps under Node's permission model and refuses Python apps, which nothing would hold).
 */
import { cpSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverApps } from "../../src/apps/loader.ts";
import { AppRegistry } from "../../src/apps/registry.ts";
import type { AppProcess } from "../../src/apps/runtime.ts";
import { runtimeSettingsFor } from "../../src/apps/settings.ts";
import { DEFAULT_APP_UID_BASE } from "../../src/apps/sandbox/identity.ts";
import { DEFAULT_RESULT_MAX_BYTES } from "../../src/sdk/limits.ts";
import { FIXTURES } from "../helpers/hostileHub.ts";
import { startTestHub, type TestHub } from "../helpers/hub.ts";

let appsDir: string;
beforeAll(() => {
  appsDir = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-sandbox-settings-")));
  cpSync(join(FIXTURES, "reader"), join(appsDir, "reader"), { recursive: true });
});
afterAll(() => rmSync(appsDir, { recursive: true, force: true }));

const whoami = async (t: TestHub) => {
  const user = await t.newUser();
  const res = await user.post<{ groups: { items: { label: string; value: unknown }[] }[] }>(
    "/api/apps/reader/views/whoami",
    { params: {} },
  );
  expect(res.status).toBe(200);
  return Object.fromEntries(res.body.groups[0]!.items.map((i) => [i.label, i.value]));
};

/** The apps of appsDir on a host where bwrap is missing, with GATEHOUSE_APP_SANDBOX=`setting`. */
function withoutSandbox(setting: "required" | "auto"): AppRegistry {
  const sandbox = {
    setting,
    active: false,
    mode: null,
    tools: null,
    reason: "bwrap not found (install the bubblewrap and util-linux packages)",
  };
  return new AppRegistry(discoverApps([appsDir]), {
    settings: runtimeSettingsFor(
      { appResultMaxBytes: DEFAULT_RESULT_MAX_BYTES, appUidBase: DEFAULT_APP_UID_BASE, dataDir: appsDir },
      sandbox,
    ),
  });
}

/** `app` refuses to start, saying `message` (app_load_failed), and no process is left behind. */
async function expectLoadRefused(app: AppProcess, message: string): Promise<void> {
  await expect(app.start()).rejects.toMatchObject({ code: "app_load_failed", status: 503, message });
  expect(app.pid).toBeNull();
}

describe("off", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ config: { appsDirs: [appsDir], appSandbox: "off" } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("runs apps as the hub's own user, warns once at start, and tells admins", async () => {
    expect((await whoami(t)).uid).toBe(process.getuid?.());
    const warnings = t.logs.filter((line) => line.includes("Apps are not sandboxed on this host"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, reason: "GATEHOUSE_APP_SANDBOX=off" });
    const admin = await t.admin();
    const overview = await admin.get<{ sandbox: unknown }>("/api/admin/apps");
    expect(overview.body.sandbox).toEqual({
      active: false,
      setting: "off",
      mode: null,
      warning: expect.stringMatching(/^Apps are not sandboxed on this host \(GATEHOUSE_APP_SANDBOX=off\)/),
    });
  });

  it("keeps Node's permission model: the app still cannot read the hub's data directory", async () => {
    const user = await t.newUser();
    const res = await user.post<{ groups: { items: { label: string; value: unknown }[] }[] }>(
      "/api/apps/reader/views/read",
      { params: { path: join(t.hub.services.config.dataDir, "gatehouse.db") } },
    );
    expect(res.body.groups[0]!.items[0]!.value).toBe("error:ERR_ACCESS_DENIED");
  });
});

describe("auto, where bubblewrap works", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ config: { appsDirs: [appsDir] } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("sandboxes apps and says so once", async () => {
    const uid = (await whoami(t)).uid;
    expect(uid).toBe(process.getuid?.() === 0 ? DEFAULT_APP_UID_BASE : process.getuid?.());
    expect(t.logs.filter((line) => line.includes("apps run in the bubblewrap sandbox"))).toHaveLength(1);
    expect(t.logs.some((line) => line.includes("not sandboxed"))).toBe(false);
  });
});

describe("required, where the sandbox cannot run", () => {
  it("refuses to start an app, saying why (app_load_failed)", async () => {
    const registry = withoutSandbox("required");
    try {
      await expectLoadRefused(
        registry.get("reader")!,
        "The app reader failed to load: GATEHOUSE_APP_SANDBOX=required, but apps cannot be sandboxed on this host: bwrap not found (install the bubblewrap and util-linux packages)",
      );
    } finally {
      await registry.close();
    }
  });
});

describe("auto, where the sandbox cannot run", () => {
  it("runs a TypeScript app under Node's permission model, and refuses a Python app, saying why", async () => {
    cpSync(join(FIXTURES, "reader-py"), join(appsDir, "reader-py"), { recursive: true });
    const registry = withoutSandbox("auto");
    try {
      await expect(registry.get("reader")!.start()).resolves.toMatchObject({ views: expect.any(Array) });
      await expectLoadRefused(
        registry.get("reader-py")!,
        "The app reader-py failed to load: Python apps run only in the app sandbox, which this host cannot run (bwrap not found (install the bubblewrap and util-linux packages)): Python has no permission model to hold an app without it. Install bubblewrap, or set GATEHOUSE_APP_SANDBOX=off to run Python apps unconfined as the hub's user",
      );
    } finally {
      await registry.close();
      rmSync(join(appsDir, "reader-py"), { recursive: true, force: true });
    }
  });
});

describe("an app directory that holds the hub's data directory", () => {
  it("is refused: mounting it would carry the keys and the database into the sandbox", async () => {
    const holder = join(appsDir, "holder");
    cpSync(join(FIXTURES, "reader"), holder, { recursive: true });
    writeFileSync(join(holder, "gatehouse.config.toml"), 'name = "holder"\n');
    const dataDir = join(holder, "data");
    const t = await startTestHub({
      emulators: false,
      config: {
        appsDirs: [appsDir],
        dataDir,
        databaseUrl: `sqlite:${join(dataDir, "hub.db")}`,
        encryptionKeys: null,
      },
    });
    try {
      const user = await t.newUser();
      const res = await user.post<{ code: string; detail: string }>("/api/apps/holder/views/whoami", {
        params: {},
      });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe("app_load_failed");
      expect(res.body.detail).toBe(
        `The app holder failed to load: the app directory ${holder} holds the hub's data directory ${dataDir}; move one of them`,
      );
      expect((await user.post("/api/apps/reader/views/whoami", { params: {} })).status).toBe(200);
    } finally {
      await t.close();
      rmSync(holder, { recursive: true, force: true });
    }
  });
});
