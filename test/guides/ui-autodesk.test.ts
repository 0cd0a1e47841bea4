import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ACC_HUB_ID } from "../../src/emulators/shared/seedAutodesk.ts";
import { hubProblems, screenshot, signInAtEmulator, signInThroughUi } from "../helpers/chromium.ts";
import { inWindow, useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { ALICE, TEST_ADMIN } from "../helpers/hub.ts";

const GUIDE_APP = fileURLToPath(new URL("../fixtures/guide-aps", import.meta.url));

// The Autodesk Platform Services guide, followed literally in the sandbox: in the Administrator panel's
// integrations, select Autodesk Platform Services, fill in the name aps-integration-1 and the app that uses
// it, check the Authentication and Token URLs (the Autodesk emulator's here), enter the client id and secret
// and the scopes. Then alice opens the app, connects at the emulator, and the TableView lists her hubs with
// the guide's columns "Hub name" and "ID".
describe("the Autodesk Platform Services guide in the sandbox", () => {
  const ui = useHubInBrowser({ appsDirs: [GUIDE_APP], emulatorHosts: true });

  it("admin: aps-integration-1 from the Autodesk preset, pointing at the emulator", async () => {
    const page = ui.page;
    await signInThroughUi(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.getByRole("link", { name: "Integrations", exact: true }).click();
    await page.getByRole("link", { name: "New integration" }).click();
    await page.getByRole("radio", { name: /Autodesk Platform Services/ }).check();
    await screenshot(page, "guide-aps-1-software");
    await page.getByRole("button", { name: "Next" }).click();

    await page.getByRole("heading", { name: "Basic information" }).waitFor();
    await page.getByLabel("Name").fill("aps-integration-1");
    await page.getByRole("radio", { name: "Specific apps" }).check();
    await page.getByRole("checkbox", { name: /guide-aps/ }).check();
    await screenshot(page, "guide-aps-2-basic");
    await page.getByRole("button", { name: "Next" }).click();

    await page.getByRole("heading", { name: "Configuration" }).waitFor();
    const autodesk = ui.hub.emulators!.autodesk.url;
    await page.getByText(`Sandbox: these point at the local Autodesk emulator (${autodesk}).`).waitFor();
    expect(await page.getByLabel("Authorization URL").inputValue()).toBe(
      `${autodesk}/authentication/v2/authorize`,
    );
    expect(await page.getByLabel("Token URL").inputValue()).toBe(`${autodesk}/authentication/v2/token`);
    await page.getByLabel("Client ID").fill("sandbox-web");
    await page.getByLabel("Client secret").fill("sandbox-web-secret");
    // The guide's "common scopes", minimum needed: the hubs API reads data.
    expect(await page.getByRole("checkbox", { name: /^data:read/ }).isChecked()).toBe(true);
    for (const scope of ["data:write", "data:create", "code:all", "data:search", "viewables:read"]) {
      expect(await page.getByRole("checkbox", { name: new RegExp(`^${scope}`) }).count()).toBe(1);
    }
    await screenshot(page, "guide-aps-3-configuration");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await screenshot(page, "guide-aps-4-review");
    await page.getByRole("button", { name: "Create integration" }).click();
    await page.getByText("The integration was created.").waitFor();
    await page.getByRole("button", { name: "Test the integration" }).click();
    await page.getByText("Every check passed.").waitFor();
    await screenshot(page, "guide-aps-5-created-and-tested");
  });

  it("user: alice connects at the emulator and sees her hubs in the guide's table", async () => {
    await inWindow(ui, async ({ page: alice }) => {
      await signInThroughUi(alice, ALICE.email, ALICE.password);
      await alice.locator('a[href="/apps/guide-aps"]').click();
      const login = alice.getByRole("link", { name: "Log in to aps-integration-1" });
      await login.waitFor();
      await screenshot(alice, "guide-aps-6-app-login");
      await login.click();
      await alice.getByRole("heading", { name: "Sign in" }).waitFor();
      expect(new URL(alice.url()).origin).toBe(ui.hub.emulators!.autodesk.url);
      await screenshot(alice, "guide-aps-7-emulator-sign-in");
      await signInAtEmulator(alice, ui.hub.url, ALICE, "/apps/guide-aps");

      const table = alice.getByRole("table", { name: "Get ACC Hubs" });
      await table.getByText(ACC_HUB_ID).waitFor();
      expect(
        (await table.getByRole("columnheader").allTextContents()).map((h) => h.replace(/[↕▲▼]/g, "").trim()),
      ).toEqual(["Hub name", "ID"]);
      expect(await table.getByRole("row", { name: new RegExp(ACC_HUB_ID) }).textContent()).toContain(
        "Anders Engineering",
      );
      await screenshot(alice, "guide-aps-8-hubs-table");

      await alice.getByRole("link", { name: "Account" }).click();
      const row = alice.getByRole("row", { name: /aps-integration-1/ });
      await row.waitFor();
      expect(await row.textContent()).toContain("Connected");
      expect(await row.textContent()).toContain("data:read");
      await screenshot(alice, "guide-aps-9-account");
    });
  });

  it("logged no console errors", () => {
    expect(hubProblems(ui.problems, ui.hub.url)).toEqual([]);
  });
});
