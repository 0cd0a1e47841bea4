import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { hubProblems, screenshot, signInAtEmulator, signInThroughUi } from "../helpers/chromium.ts";
import { useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { ALICE, DEMO_PASSWORD } from "../helpers/hub.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));

// The other two example apps in the browser: a service identity needs no login button and shows its data
// at once; Seequent Evo signs in through the Bentley emulator and shows alice's workspaces. At phone width.
describe("itwin-service and evo-workspaces in the browser", () => {
  const ui = useHubInBrowser({
    appsDirs: [EXAMPLES],
    emulatorHosts: true,
    viewport: { width: 390, height: 844 },
  });

  beforeAll(async () => {
    await signInThroughUi(ui.page, "alice@example.com", DEMO_PASSWORD);
  });

  it("runs a service-identity app without asking anyone to log in", async () => {
    await ui.page.getByText("bentley-itwin-service: service identity (no login needed)").waitFor();
    await screenshot(ui.page, "apps-phone");
    await ui.page.locator('a[href="/apps/itwin-service"]').click();
    const table = ui.page.getByRole("table", { name: "Service iTwins" });
    await table.locator("tbody tr").first().waitFor();
    expect(await ui.page.getByRole("link", { name: /^Log in to/ }).count()).toBe(0);
    await screenshot(ui.page, "app-itwin-service-phone");
    expect(
      await ui.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
  });

  it("connects Seequent Evo through the Bentley emulator and shows the workspaces", async () => {
    await ui.page.getByRole("link", { name: "Apps", exact: true }).click();
    await ui.page.locator('a[href="/apps/evo-workspaces"]').click();
    const login = ui.page.getByRole("link", { name: "Log in to seequent-evo" });
    await login.click();
    await signInAtEmulator(ui.page, ui.hub.url, ALICE, "/apps/evo-workspaces");
    const table = ui.page.getByRole("table", { name: "Workspaces" });
    await table.locator("tbody tr").first().waitFor();
    expect(await table.getByRole("columnheader").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining("Workspace")]),
    );
    await screenshot(ui.page, "app-evo-workspaces-phone");
    expect(
      await ui.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await ui.page.getByRole("link", { name: "Account" }).click();
    await ui.page.getByRole("row", { name: /seequent-evo/ }).waitFor();
    await screenshot(ui.page, "account-phone");
  });

  it("logged no console errors", () => {
    expect(hubProblems(ui.problems, ui.hub.url)).toEqual([]);
  });
});
