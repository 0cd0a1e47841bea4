/**
 * Setup of the `apps-isolation-*` suites: a hub with the sandbox on and a temporary apps directory outside
 * the project (no node_modules) holding alpha and beta (the same curious app code, each in its own
 * process), gamma (for reloads), and three apps that fail to load (an import that throws, an unresolvable
 * package, a bad name). alpha is assigned the user integration; beta-service is beta's alone, though
 * alpha's config lists it too. The hub's environment carries a canary secret the apps must never see.
 *
 *   const iso = useIsolatedApps();
 *   const res = await runView(await iso.t.newUser(), "alpha", "env");   // runView: appsHub.ts
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { AppRegistry } from "../../src/apps/registry.ts";
import { writeApp } from "./appFiles.ts";
import { useEmulatorHostMap } from "./appsHub.ts";
import { startTestHub, type TestHub } from "./hub.ts";

/** A secret in the hub's environment that no app process may see. */
export const CANARY = `canary-${randomBytes(8).toString("hex")}`;

/** App code shared by alpha and beta: views that report what they could get, never throwing for it. */
const APP_SOURCE = (views: string) => `
import { defineApp, dataView, textField, DataResult, DataGroup, DataItem, OAuth2Integration, GatehouseSdkError, UserError } from "gatehouse/sdk";
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
    userError: dataView("Refuse the inputs", {}, () => { throw new UserError("Pick a width below 10 m"); }),
    tooDeep: dataView("Too deep", {}, () => {
      const deep = new DataGroup(new DataItem("d", 1));
      const nest = (g: DataGroup, label: string) => new DataGroup(new DataItem(label, null, { subgroup: g }));
      return new DataResult(nest(nest(nest(deep, "c"), "b"), "a"));
    }),
    ${views}
  },
});
`;

export const GAMMA = (label: string) => `
import { defineApp, dataView, DataResult, DataGroup } from "gatehouse/sdk";
export default defineApp({ parametrization: {}, views: { v: dataView("${label}", {}, () => new DataResult(new DataGroup())) } });
`;

function writeTsApp(root: string, name: string, config: string, source: string): void {
  writeApp(root, name, { "gatehouse.config.toml": config, "app.ts": source });
}

export interface IsolatedApps {
  readonly t: TestHub;
  readonly appsDir: string;
  readonly registry: AppRegistry;
}

/** Writes the apps and starts the hub before the file's tests; stops it and removes them after. */
export function useIsolatedApps(): IsolatedApps {
  let t: TestHub | undefined;
  let appsDir: string | undefined;
  let registry: AppRegistry | undefined;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-apps-"));
    appsDir = dir;
    writeTsApp(
      dir,
      "alpha",
      `name = "alpha"\ntitle = "Alpha"\noauth2_integrations = ["bentley-itwin", "beta-service", "nowhere"]\n`,
      APP_SOURCE(""),
    );
    writeTsApp(dir, "gamma", `name = "gamma"\n`, GAMMA("v1"));
    writeTsApp(dir, "beta", `name = "beta"\noauth2_integrations = ["beta-service"]\n`, APP_SOURCE(""));
    writeTsApp(
      dir,
      "broken",
      `name = "broken"\n`,
      `import "gatehouse/sdk";\nthrow new Error("broken on purpose at import");\n`,
    );
    writeTsApp(
      dir,
      "unresolved",
      `name = "unresolved"\n`,
      `\nimport pad from "left-pad";\nexport default pad;\n`,
    );
    writeTsApp(dir, "bad-config", `name = "Bad Name!"\n`, `export default 1;\n`);
    process.env.GATEHOUSE_CANARY_SECRET = CANARY;
    const hub = await startTestHub({ config: { appsDirs: [dir], sandbox: true } });
    t = hub;
    useEmulatorHostMap(hub);
    registry = hub.hub.services.apps as AppRegistry;
    const { integrations } = hub.hub.services;
    // alpha may use the user integration; beta-service is beta's alone (alpha lists it but is not assigned).
    await integrations.update("bentley-itwin", { apps: ["itwin-browser", "alpha"] });
    const service = (await integrations.get("bentley-itwin-service"))!;
    await integrations.create({
      ...service,
      // Named: a spread of an integration leaves its secret out.
      clientSecret: service.clientSecret,
      name: "beta-service",
      apps: ["beta"],
      description: "beta's own service identity",
    });
  });

  afterAll(async () => {
    await t?.close();
    delete process.env.GATEHOUSE_CANARY_SECRET;
    if (appsDir) rmSync(appsDir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the hub is not started yet (use it inside a test)");
    return value;
  };
  return {
    get t() {
      return started(t);
    },
    get appsDir() {
      return started(appsDir);
    },
    get registry() {
      return started(registry);
    },
  };
}
