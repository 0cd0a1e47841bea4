// `gatehouse dev` as a real process with the app page open in Chromium: saving app.ts restarts the app, and
// the open page refreshes itself and says "Reloaded" — the new view on success, the load error on a broken
// save — without the developer pressing reload.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureFreshWebBuild,
  hubProblems,
  launchChromium,
  screenshot,
  signInThroughUi,
  watchConsole,
} from "./helpers/chromium.ts";
import { runCli, startDev, type CliRun } from "./helpers/cliProcess.ts";
import { freePort } from "./helpers/hubProcesses.ts";
import { useTempDir } from "./helpers/tempDir.ts";

const tmp = useTempDir("gh-ui-dev-");

describe("gatehouse dev: the open app page follows the app", () => {
  let browser: Browser;
  let run: CliRun;
  let hubUrl: string;
  let appFile: string;
  beforeAll(async () => {
    await ensureFreshWebBuild();
    const dir = join(tmp(), "hello-dev");
    expect((await runCli(["new", dir, "--template", "blank"])).code).toBe(0);
    appFile = join(dir, "app.ts");
    const port = await freePort();
    hubUrl = `http://localhost:${port}`;
    run = startDev(dir, port, join(tmp(), "config"));
    await run.waitForStdout(/Developing hello-dev /, 60_000);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (run) {
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
    }
  });

  it("refreshes itself after a save, and shows a broken save's error until it is fixed", async () => {
    const context = await browser.newContext({ baseURL: hubUrl, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(20_000);
    const problems = watchConsole(context);
    const page = await context.newPage();
    try {
      await signInThroughUi(page, "alice@example.com", "sandbox");
      await page.goto("/apps/hello-dev");
      await page.getByText("Hello, world!").waitFor();
      await screenshot(page, "dev-reload-1-before");

      const original = readFileSync(appFile, "utf8");
      writeFileSync(appFile, original.replace("`Hello, ${name}!`", "`Good morning, ${name}!`"));
      await page.getByText(/^Reloaded at .*: the app changed on disk\.$/).waitFor();
      await page.getByText("Good morning, world!").waitFor();
      expect(await page.getByText("Hello, world!").count()).toBe(0);
      await screenshot(page, "dev-reload-2-reloaded");

      writeFileSync(appFile, `${original}\nconst broken = ;\n`);
      await page.getByText(/^Reloaded at .*: the saved app does not load\.$/).waitFor();
      await page.getByText(/This app could not be loaded: .*app\.ts:\d+/).waitFor();
      await screenshot(page, "dev-reload-3-broken");

      writeFileSync(appFile, original);
      await page.getByText(/^Reloaded at .*: the app changed on disk\.$/).waitFor();
      await page.getByText("Hello, world!").waitFor();
      // A view the broken app could not answer is not a console error of the page itself.
      expect(hubProblems(problems, hubUrl).filter((p) => !p.url.includes("/views/"))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
