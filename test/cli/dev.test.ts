// `gatehouse new` then `gatehouse dev` as real processes: the scaffolded app (TypeScript or Python) is served
// by a sandbox hub (its own emulators), alice connects the integration the template lists and runs the view,
// and an edit to the app's files is picked up by restarting the app process, not the hub.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { signInAtEmulator } from "../helpers/browser.ts";
import { runCli, startDev as startDevProcess, type CliRun } from "../helpers/cliProcess.ts";
import { HubClient } from "../helpers/hub.ts";
import { freePort } from "../helpers/hubProcesses.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const tmp = useTempDir("gh-cli-dev-");

async function stop(run: CliRun): Promise<number> {
  run.child.kill("SIGTERM");
  return run.exited;
}

const startDev = (dir: string, port: number): CliRun => startDevProcess(dir, port, join(tmp(), "config"));

/**
 * Scaffolds `app.name` from `app.template` (the default when none), serves it with `gatehouse dev` and,
 * once the hub prints `app.ready`, hands `body` the process, the app's directory and a client signed in as
 * `app.email`. Stops the hub afterwards, which must exit 0.
 */
async function developNewApp(
  app: { name: string; template?: string; ready: RegExp; email: string },
  body: (run: CliRun, dir: string, user: HubClient) => Promise<void>,
): Promise<void> {
  const dir = join(tmp(), app.name);
  const template = app.template === undefined ? [] : ["--template", app.template];
  expect((await runCli(["new", dir, ...template])).code).toBe(0);
  const port = await freePort();
  const run = startDev(dir, port);
  try {
    await run.waitForStdout(app.ready, 60_000);
    const user = new HubClient(`http://localhost:${port}`);
    expect((await user.post("/api/auth/login", { email: app.email, password: "sandbox" })).status).toBe(204);
    await body(run, dir, user);
  } finally {
    expect(await stop(run), run.stderr().slice(-2000)).toBe(0);
  }
}

/** Connects alice's Bentley account for `app`, through the emulator's pages. */
async function connectBentley(alice: HubClient, app: string): Promise<void> {
  const start = await alice.fetch("GET", `/api/integrations/oauth2/login/bentley-itwin?app=${app}`);
  await start.body?.cancel();
  expect(start.status).toBe(302);
  const { finalUrl } = await signInAtEmulator(start.headers.get("location")!, {
    email: "alice@example.com",
    password: "sandbox",
  });
  const callback = await alice.fetch("GET", finalUrl);
  await callback.body?.cancel();
  expect(callback.status).toBe(302);
}

describe("gatehouse new", () => {
  it("scaffolds each template, renames the app to the directory's name, and refuses a non-empty dir", async () => {
    const blank = join(tmp(), "Hello App");
    const created = await runCli(["new", blank, "--template", "blank", "--json"]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: "hello-app", template: "blank" });
    expect(readFileSync(join(blank, "gatehouse.config.toml"), "utf8")).toMatch(/^name = "hello-app"$/m);
    expect(readFileSync(join(blank, "app.ts"), "utf8")).toContain("defineApp(");

    for (const [template, entry] of [
      ["acc-hubs", "app.ts"],
      ["evo-workspaces", "app.ts"],
      ["itwin-browser-py", "app.py"],
      ["acc-hubs-py", "app.py"],
    ] as const) {
      const dir = join(tmp(), `my-${template}`);
      const result = await runCli(["new", dir, "--template", template]);
      expect(result.code).toBe(0);
      const config = readFileSync(join(dir, "gatehouse.config.toml"), "utf8");
      expect(config).toMatch(new RegExp(`^name = "my-${template}"$`, "m"));
      expect(config).toContain("oauth2_integrations");
      expect(existsSync(join(dir, entry))).toBe(true);
    }
    // A Python template brings the seed's requirements, and nothing of a run (no bytecode).
    expect(readFileSync(join(tmp(), "my-itwin-browser-py", "requirements.txt"), "utf8")).toBe("requests\n");
    expect(existsSync(join(tmp(), "my-itwin-browser-py", "__pycache__"))).toBe(false);

    const again = await runCli(["new", blank]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(
      /^gatehouse new: .* is not empty: pick a new directory \(nothing was written\)\.$/,
    );
    const badTemplate = await runCli(["new", join(tmp(), "x"), "--template", "nope"]);
    expect(badTemplate.code).toBe(2);
    expect(existsSync(join(tmp(), "x"))).toBe(false);
  });
});

describe("gatehouse dev", () => {
  it("serves a new itwin-browser app against the sandbox, and reloads it when app.ts changes", async () => {
    const app = {
      name: "my-itwins",
      template: "itwin-browser",
      ready: /Developing my-itwins .*integrations: bentley-itwin/,
      email: "alice@example.com",
    };
    await developNewApp(app, async (run, dir, alice) => {
      await connectBentley(alice, "my-itwins");

      const first = await alice.post("/api/apps/my-itwins/views/bentleyData", { params: {} });
      expect(first.status, first.text).toBe(200);
      expect(first.text).toContain('"Status"');
      expect(first.text).not.toContain("Edited status");

      // Edit the app: the hub restarts only the app's process with a fresh bundle.
      const appFile = join(dir, "app.ts");
      writeFileSync(
        appFile,
        readFileSync(appFile, "utf8").replace('new DataItem("Status",', 'new DataItem("Edited status",'),
      );
      await run.waitForStderr(/reloaded my-itwins in \d+ ms/, 20_000);
      const second = await alice.post("/api/apps/my-itwins/views/bentleyData", { params: {} });
      expect(second.status, second.text).toBe(200);
      expect(second.text).toContain("Edited status");

      // An edit that does not build is reported with its place; fixing it brings the app back.
      const good = readFileSync(appFile, "utf8");
      writeFileSync(appFile, `${good}\nconst broken = ;\n`);
      await run.waitForStderr(/my-itwins failed to load: .*app\.ts:\d+/, 20_000);
      writeFileSync(appFile, good);
      await run.waitForStderr(
        /reloaded my-itwins in \d+ ms[\s\S]*failed to load[\s\S]*reloaded my-itwins/,
        20_000,
      );
      const third = await alice.post("/api/apps/my-itwins/views/bentleyData", { params: {} });
      expect(third.status, third.text).toBe(200);
      // The hub kept running: the same session still works.
      expect((await alice.get("/api/me")).status).toBe(200);
    });
  });

  it("serves a new itwin-browser-py app, and reloads it when app.py changes or breaks", async () => {
    const app = {
      name: "my-py-itwins",
      template: "itwin-browser-py",
      ready: /Developing my-py-itwins .*integrations: bentley-itwin/,
      email: "alice@example.com",
    };
    await developNewApp(app, async (run, dir, alice) => {
      await connectBentley(alice, "my-py-itwins");

      const view = () => alice.post("/api/apps/my-py-itwins/views/get_bentley_data", { params: {} });
      const first = await view();
      expect(first.status, first.text).toBe(200);
      expect(first.text).toContain('"Number"');

      const appFile = join(dir, "app.py");
      const good = readFileSync(appFile, "utf8");
      writeFileSync(appFile, good.replace('vkt.DataItem("Number",', 'vkt.DataItem("Edited number",'));
      await run.waitForStderr(/reloaded my-py-itwins in \d+ ms/, 20_000);
      const second = await view();
      expect(second.status, second.text).toBe(200);
      expect(second.text).toContain("Edited number");

      // A save that does not parse names the file and line; fixing it brings the app back.
      writeFileSync(appFile, `${good}\ndef broken(:\n`);
      await run.waitForStderr(/my-py-itwins failed to load: app\.py:\d+: SyntaxError/, 20_000);
      writeFileSync(appFile, good);
      await run.waitForStderr(/failed to load: app\.py[\s\S]*reloaded my-py-itwins/, 20_000);
      expect((await view()).status).toBe(200);
    });
  });

  it("serves the blank template as it is scaffolded", async () => {
    await developNewApp(
      { name: "blank-app", ready: /Developing blank-app /, email: "bob@example.com" },
      async (run, _dir, bob) => {
        const result = await bob.post("/api/apps/blank-app/views/greeting", { params: { name: "Ada" } });
        expect(result.status, result.text).toBe(200);
        expect(result.text).toContain("Hello, Ada!");
        expect(run.stderr()).not.toMatch(/failed to load/);
      },
    );
  });

  it("refuses a directory that is not an app with one sentence and exit 1", async () => {
    const result = await runCli(["dev", tmp()], { env: { GATEHOUSE_CONFIG_DIR: join(tmp(), "config") } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^gatehouse dev: .* is not a Gatehouse app/);
  });
});
