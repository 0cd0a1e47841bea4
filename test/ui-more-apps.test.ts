import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulatorHostMap } from "./helpers/appsHub.ts";
import {
  ensureFreshWebBuild,
  hubProblems,
  launchChromium,
  screenshot,
  signInAtEmulator,
  signInThroughUi,
  watchConsole,
  type ConsoleProblem,
} from "./helpers/chromium.ts";
import { DEMO_PASSWORD, startTestHub, type TestHub } from "./helpers/hub.ts";

const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));

// The other two example apps in the browser: a service identity needs no login button and shows its data
// at once; Seequent Evo signs in through the Bentley emulator and shows alice's workspaces. At phone width.
describe("itwin-service and evo-workspaces in the browser", () => {
  let t: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ConsoleProblem[];

  beforeAll(async () => {
    await ensureFreshWebBuild();
    t = await startTestHub({ config: { appsDirs: [EXAMPLES] } });
    useEmulatorHostMap(t);
    browser = await launchChromium();
    context = await browser.newContext({ baseURL: t.url, viewport: { width: 390, height: 844 } });
    context.setDefaultTimeout(15_000);
    problems = watchConsole(context);
    page = await context.newPage();
    await signInThroughUi(page, "alice@example.com", DEMO_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("runs a service-identity app without asking anyone to log in", async () => {
    await page.getByText("bentley-itwin-service: service identity (no login needed)").waitFor();
    await screenshot(page, "apps-phone");
    await page.locator('a[href="/apps/itwin-service"]').click();
    const table = page.getByRole("table", { name: "Service iTwins" });
    await table.locator("tbody tr").first().waitFor();
    expect(await page.getByRole("link", { name: /^Log in to/ }).count()).toBe(0);
    await screenshot(page, "app-itwin-service-phone");
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
  });

  it("connects Seequent Evo through the Bentley emulator and shows the workspaces", async () => {
    await page.getByRole("link", { name: "Apps", exact: true }).click();
    await page.locator('a[href="/apps/evo-workspaces"]').click();
    const login = page.getByRole("link", { name: "Log in to seequent-evo" });
    await login.click();
    await signInAtEmulator(
      page,
      t.url,
      { email: "alice@example.com", password: DEMO_PASSWORD },
      "/apps/evo-workspaces",
    );
    const table = page.getByRole("table", { name: "Workspaces" });
    await table.locator("tbody tr").first().waitFor();
    expect(await table.getByRole("columnheader").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining("Workspace")]),
    );
    await screenshot(page, "app-evo-workspaces-phone");
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("row", { name: /seequent-evo/ }).waitFor();
    await screenshot(page, "account-phone");
  });

  it("logged no console errors", () => {
    expect(hubProblems(problems, t.url)).toEqual([]);
  });
});
