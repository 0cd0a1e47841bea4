import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { describeStart } from "../../src/cli/start.ts";
import {
  hubProblems,
  screenshot,
  signInAtEmulator,
  signInThroughUi,
  waitForItwinsTree,
} from "../helpers/chromium.ts";
import { inWindow, useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { ALICE, TEST_ADMIN } from "../helpers/hub.ts";

const GUIDE_APP = fileURLToPath(new URL("../fixtures/guide-itwin", import.meta.url));

/** One endpoint of the Bentley emulator as the start banner prints it ("    token URL         http://…"). */
function printed(banner: string, label: string): string {
  const section = banner.slice(banner.indexOf("Bentley emulator:"), banner.indexOf("Autodesk emulator:"));
  const match = new RegExp(`^\\s+${label}\\s+(\\S+)$`, "m").exec(section);
  if (!match) throw new Error(`the banner prints no ${label} for the Bentley emulator:\n${banner}`);
  return match[1]!;
}

/** The wizard's first two steps, as both of the guide's integrations go through them. */
async function softwareAndBasics(page: Page, software: RegExp, name: string, shots: string): Promise<void> {
  await page.getByRole("link", { name: "Integrations", exact: true }).click();
  await page.getByRole("link", { name: "New integration" }).click();
  await page.getByRole("heading", { name: "New integration" }).waitFor();
  await page.getByRole("radio", { name: software }).check();
  await screenshot(page, `${shots}-1-software`);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("heading", { name: "Basic information" }).waitFor();
  await page.getByLabel("Name").fill(name);
  await page
    .getByLabel("Description")
    .fill("OAuth 2.0 integration for accessing Bentley iTwin projects and iModels");
  await page.getByRole("radio", { name: "Specific apps" }).check();
  await page.getByRole("checkbox", { name: /guide-itwin/ }).check();
  await screenshot(page, `${shots}-2-basic`);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("heading", { name: "Configuration" }).waitFor();
}

/** Review, create, and on the new integration's page: the app can use it and the Test passes. */
async function createAndTest(page: Page, name: string, shots: string): Promise<void> {
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("heading", { name: "Review" }).waitFor();
  await screenshot(page, `${shots}-4-review`);
  await page.getByRole("button", { name: "Create integration" }).click();
  await page.getByText("The integration was created.").waitFor();
  expect(new URL(page.url()).pathname).toBe(`/admin/integrations/${name}`);
  const appRow = page.getByRole("table", { name: "Apps and this integration" }).getByRole("row", {
    name: /guide-itwin/,
  });
  await appRow.waitFor();
  expect(await appRow.textContent()).toMatch(/Yes.*Yes.*Yes/);
  await page.getByRole("button", { name: "Test the integration" }).click();
  await page.getByText("Every check passed.").waitFor();
  await screenshot(page, `${shots}-5-created-and-tested`);
}

// The Bentley iTwin guide, followed literally in the sandbox. The admin creates viktor-itwin-integration
// from the Bentley preset (whose URLs point at the Bentley emulator here) and viktor-itwin-generic with
// Generic and the endpoints the start banner prints, assigning both to the guide's app, whose config lists
// both. Then alice signs in, connects both through the emulator's own sign-in and consent pages, and each
// view shows the guide's tree: her iTwins, each with status, number and iModels.
describe("the Bentley iTwin guide in the sandbox", () => {
  const ui = useHubInBrowser({ appsDirs: [GUIDE_APP], emulatorHosts: true });

  it("admin: viktor-itwin-integration from the Bentley preset, pointing at the emulator", async () => {
    await signInThroughUi(ui.page, TEST_ADMIN.email, TEST_ADMIN.password);
    await softwareAndBasics(ui.page, /Bentley iTwin/, "viktor-itwin-integration", "guide-bentley-preset");
    const bentley = ui.hub.emulators!.bentley.url;
    await ui.page.getByText(`Sandbox: these point at the local Bentley emulator (${bentley}).`).waitFor();
    expect(await ui.page.getByLabel("Authorization URL").inputValue()).toBe(`${bentley}/connect/authorize`);
    expect(await ui.page.getByLabel("Token URL").inputValue()).toBe(`${bentley}/connect/token`);
    expect(await ui.page.getByRole("checkbox", { name: /itwin-platform/ }).isChecked()).toBe(true);
    expect(await ui.page.getByRole("checkbox", { name: /offline_access/ }).isChecked()).toBe(true);
    await ui.page.getByLabel("Client ID").fill("sandbox-web");
    await ui.page.getByLabel("Client secret").fill("sandbox-web-secret");
    await ui.page.getByText("Advanced settings").click();
    expect(await ui.page.getByLabel("Issuer").inputValue()).toBe(bentley);
    await screenshot(ui.page, "guide-bentley-preset-3-configuration");
    await createAndTest(ui.page, "viktor-itwin-integration", "guide-bentley-preset");
  });

  it("admin: viktor-itwin-generic with Generic and the printed emulator endpoints", async () => {
    const { config } = ui.hub.hub.services;
    const banner = describeStart(config, ui.hub.url, ui.hub.emulators, ui.hub.seed);
    await softwareAndBasics(ui.page, /Generic OAuth 2.0/, "viktor-itwin-generic", "guide-bentley-generic");
    // The Generic step lists the same endpoints the banner printed.
    const listed = ui.page.getByRole("region", { name: "Sandbox: the local emulators' endpoints" });
    await listed.getByText(printed(banner, "token URL")).waitFor();
    // The guide: "Authentication URL", "Token URL", client id and secret, scopes itwin-platform offline_access.
    await ui.page.getByLabel("Authorization URL").fill(printed(banner, "authorization URL"));
    await ui.page.getByLabel("Token URL").fill(printed(banner, "token URL"));
    await ui.page.getByLabel("Client ID").fill("sandbox-web");
    await ui.page.getByLabel("Client secret").fill("sandbox-web-secret");
    await ui.page.getByLabel("Other scopes (space-separated)").fill("itwin-platform");
    await ui.page.getByRole("checkbox", { name: /offline_access/ }).check();
    await screenshot(ui.page, "guide-bentley-generic-3-configuration");
    await createAndTest(ui.page, "viktor-itwin-generic", "guide-bentley-generic");

    const admin = await ui.hub.admin();
    const stored = await admin.get<Record<string, unknown>>("/api/admin/integrations/viktor-itwin-generic");
    expect(stored.body).toMatchObject({
      provider: "generic",
      apps: ["guide-itwin"],
      tokenUrl: printed(banner, "token URL"),
      issuer: null,
      scopes: ["itwin-platform", "offline_access"],
    });
  });

  it("user: alice connects both through the emulator and sees her iTwins tree in each view", async () => {
    await inWindow(ui, async ({ page: alice }) => {
      await signInThroughUi(alice, ALICE.email, ALICE.password);
      await alice.locator('a[href="/apps/guide-itwin"]').click();
      const presetLogin = alice.getByRole("link", { name: "Log in to viktor-itwin-integration" });
      const genericLogin = alice.getByRole("link", { name: "Log in to viktor-itwin-generic" });
      await presetLogin.waitFor();
      await genericLogin.waitFor();
      await screenshot(alice, "guide-bentley-6-app-login");

      await presetLogin.click();
      await alice.getByRole("heading", { name: "Sign in" }).waitFor();
      expect(new URL(alice.url()).origin).toBe(ui.hub.emulators!.bentley.url);
      await screenshot(alice, "guide-bentley-7-emulator-sign-in");
      await signInAtEmulator(alice, ui.hub.url, ALICE, "/apps/guide-itwin");

      // The emulator remembers alice: the second integration goes through consent only.
      await genericLogin.click();
      await signInAtEmulator(alice, ui.hub.url, ALICE, "/apps/guide-itwin");
      expect(await presetLogin.count()).toBe(0);
      expect(await genericLogin.count()).toBe(0);

      await waitForItwinsTree(alice);
      await screenshot(alice, "guide-bentley-8-itwins-tree");

      await alice.getByRole("tab", { name: "Bentley data (Generic)" }).click();
      await waitForItwinsTree(alice);
      await screenshot(alice, "guide-bentley-9-itwins-tree-generic");

      await alice.getByRole("link", { name: "Account" }).click();
      for (const name of ["viktor-itwin-integration", "viktor-itwin-generic"]) {
        const row = alice.getByRole("row", { name: new RegExp(name) });
        await row.waitFor();
        expect(await row.textContent()).toContain("Connected");
      }
      // The preset integration has an issuer: userinfo names the account.
      expect(await alice.getByRole("row", { name: /viktor-itwin-integration/ }).textContent()).toContain(
        "alice@example.com",
      );
      await screenshot(alice, "guide-bentley-10-account");
    });
  });

  it("logged no console errors", () => {
    expect(hubProblems(ui.problems, ui.hub.url)).toEqual([]);
  });
});
