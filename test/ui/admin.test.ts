import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getPreset, presetForBaseUrl } from "../../src/providers/index.ts";
import {
  hubProblems,
  expandAll,
  screenshot,
  signInAtEmulator,
  signInThroughUi,
  watchConsole,
} from "../helpers/chromium.ts";
import { useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { ALICE, DEMO_PASSWORD, TEST_ADMIN } from "../helpers/hub.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));

// The first scenario in real Chromium. The admin signs in, deletes the sandbox's iTwin integration
// through the confirmation, creates it again through the wizard (the preset points at the Bentley emulator
// in the sandbox) and assigns it
// to itwin-browser, edits it, and adds a user. Then alice opens itwin-browser, logs in at the emulator,
// lands back on the app with her iTwins and iModels, disconnects on the account page and gets the login
// button again.
describe("admin UI", () => {
  const ui = useHubInBrowser({
    appsDirs: [EXAMPLES],
    emulatorHosts: true,
    permissions: ["clipboard-read", "clipboard-write"],
  });

  it("signs the admin in through the labelled form", async () => {
    await ui.page.goto("/login");
    await screenshot(ui.page, "login");
    // Keyboard: the fields and the button in order, with a visible focus indicator.
    await ui.page.getByLabel("Email").focus();
    await ui.page.keyboard.press("Tab");
    expect(await ui.page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe("password");
    await ui.page.keyboard.press("Tab");
    expect(await ui.page.evaluate(() => document.activeElement?.textContent)).toBe("Sign in");
    const outline = await ui.page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
    await ui.page.getByLabel("Email").fill(TEST_ADMIN.email);
    await ui.page.getByLabel("Password").fill(TEST_ADMIN.password);
    await ui.page.getByRole("button", { name: "Sign in" }).click();
    await ui.page.waitForURL((url) => url.pathname === "/apps");
    await ui.page.getByRole("link", { name: "Integrations" }).click();
    await ui.page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
    const row = ui.page.getByRole("row", { name: /bentley-itwin-service/ });
    await row.waitFor();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("Client credentials");
    await screenshot(ui.page, "admin-integrations");
  });

  it("deletes the sandbox iTwin integration after a confirmation that names the connections", async () => {
    await ui.page.getByRole("link", { name: "bentley-itwin", exact: true }).click();
    await ui.page.getByRole("heading", { name: "bentley-itwin", level: 1 }).waitFor();
    // A reload keeps the client-side route.
    await ui.page.reload();
    await ui.page.getByRole("heading", { name: "bentley-itwin", level: 1 }).waitFor();
    expect(await ui.page.getByText("Client secret: set").count()).toBe(1);
    await screenshot(ui.page, "admin-integration-edit");
    await ui.page.getByRole("button", { name: "Delete integration" }).click();
    const dialog = ui.page.getByRole("dialog", { name: "Delete bentley-itwin?" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/user connection/);
    await screenshot(ui.page, "admin-integration-delete");
    await dialog.getByRole("button", { name: "Delete" }).click();
    await ui.page.getByRole("heading", { name: "Integrations", level: 1 }).waitFor();
    await ui.page.getByRole("row", { name: /autodesk-aps/ }).waitFor();
    expect(await ui.page.getByRole("link", { name: "bentley-itwin", exact: true }).count()).toBe(0);
  });

  it("creates a Bentley iTwin integration through the wizard against the emulator", async () => {
    const emulator = presetForBaseUrl(getPreset("bentley-itwin"), ui.hub.emulators!.bentley.url).defaults;
    await ui.page.getByRole("link", { name: "New integration" }).click();
    await ui.page.getByRole("heading", { name: "New integration" }).waitFor();
    await ui.page.getByRole("radio", { name: /Bentley iTwin/ }).check();
    await screenshot(ui.page, "wizard-1-software");
    await ui.page.getByRole("button", { name: "Next" }).click();

    await ui.page.getByRole("heading", { name: "Basic information" }).waitFor();
    await ui.page.getByLabel("Name").fill("bentley-itwin");
    await ui.page.getByLabel("Description").fill("iTwins and iModels for the iTwin browser");
    await ui.page.getByRole("radio", { name: "Specific apps" }).check();
    await ui.page.getByRole("checkbox", { name: /itwin-browser$/ }).check();
    await screenshot(ui.page, "wizard-2-basic");
    await ui.page.getByRole("button", { name: "Next" }).click();

    await ui.page.getByRole("heading", { name: "Configuration" }).waitFor();
    // Prefilled from the preset: in the sandbox, the Bentley emulator's URLs (and the page says so).
    await ui.page.getByText("Sandbox: these point at the local Bentley emulator").waitFor();
    expect(await ui.page.getByLabel("Authorization URL").inputValue()).toBe(emulator.authorizationUrl);
    expect(await ui.page.getByLabel("Token URL").inputValue()).toBe(emulator.tokenUrl);
    expect(await ui.page.getByRole("checkbox", { name: /itwin-platform/ }).isChecked()).toBe(true);
    expect(await ui.page.getByRole("checkbox", { name: /offline_access/ }).isChecked()).toBe(true);
    expect(await ui.page.getByText("A refresh token, so the user need not sign in every hour").count()).toBe(
      1,
    );
    await ui.page.getByLabel("Client ID").fill("sandbox-web");
    await ui.page.getByLabel("Client secret").fill("sandbox-web-secret");
    await ui.page.getByText("Advanced settings").click();
    expect(await ui.page.getByLabel("Revocation URL").inputValue()).toBe(emulator.revocationUrl);
    expect(await ui.page.getByLabel("Issuer").inputValue()).toBe(emulator.issuer);
    await screenshot(ui.page, "wizard-3-configuration");
    await ui.page.getByRole("button", { name: "Next" }).click();

    await ui.page.getByRole("heading", { name: "Review" }).waitFor();
    const callback = `${ui.hub.url}/api/integrations/oauth2/callback/`;
    expect(await ui.page.getByLabel("Callback URL to register at the provider").inputValue()).toBe(callback);
    await ui.page.getByRole("button", { name: "Copy callback URL" }).click();
    await ui.page.getByText("Copied to the clipboard").waitFor({ state: "attached" });
    expect(await ui.page.evaluate(() => navigator.clipboard.readText())).toBe(callback);
    await screenshot(ui.page, "wizard-4-review");
    await ui.page.getByRole("button", { name: "Create integration" }).click();

    await ui.page.getByText("The integration was created.").waitFor();
    expect(new URL(ui.page.url()).pathname).toBe("/admin/integrations/bentley-itwin");
    expect(await ui.page.getByLabel("Callback URL to register at the provider").inputValue()).toBe(callback);

    const admin = await ui.hub.admin();
    const stored = await admin.get<Record<string, unknown>>("/api/admin/integrations/bentley-itwin");
    expect(stored.body).toMatchObject({
      provider: "bentley-itwin",
      apps: ["itwin-browser"],
      grantType: "authorization_code",
      authorizationUrl: emulator.authorizationUrl,
      tokenUrl: emulator.tokenUrl,
      clientId: "sandbox-web",
      clientSecretSet: true,
      scopes: ["itwin-platform", "offline_access"],
      redirectUri: callback,
    });
  });

  it("edits the integration, keeping the secret unless a new one is typed", async () => {
    await ui.page.getByLabel("Description").fill("Edited description");
    await ui.page.getByRole("button", { name: "Save changes" }).click();
    await ui.page.getByText("Saved.").waitFor();
    const admin = await ui.hub.admin();
    const stored = await admin.get<Record<string, unknown>>("/api/admin/integrations/bentley-itwin");
    expect(stored.body).toMatchObject({ description: "Edited description", clientSecretSet: true });
    await ui.page.getByRole("link", { name: "← Integrations" }).click();
    await ui.page.getByRole("row", { name: /Edited description/ }).waitFor();
  });

  it("shows the users page and adds a user", async () => {
    await ui.page.getByRole("link", { name: "Users" }).click();
    await ui.page.getByRole("heading", { name: "Hub users" }).waitFor();
    const form = ui.page.locator("form", { has: ui.page.getByRole("heading", { name: "Add a user" }) });
    await form.getByLabel("Email").fill("dave@example.com");
    await form.getByLabel("Password").fill("dave-password-1");
    await form.getByLabel("Role").selectOption("user");
    await form.getByRole("button", { name: "Add user" }).click();
    await ui.page.getByText("dave@example.com can now sign in.").waitFor();
    const people = ui.page.getByRole("table", { name: "Hub users" });
    await people.getByRole("row", { name: /dave@example\.com/ }).waitFor();
    expect(
      await people.getByRole("row", { name: new RegExp(TEST_ADMIN.email.replace(".", "\\.")) }).textContent(),
    ).toContain("admin");
    await screenshot(ui.page, "admin-users");
    await (await ui.hub.client().signIn("dave@example.com", "dave-password-1")).get("/api/me");
  });

  it("lets alice connect her Bentley account from the app page and see her iTwins and iModels", async () => {
    const aliceContext = await ui.browser.newContext({
      baseURL: ui.hub.url,
      viewport: { width: 1280, height: 900 },
    });
    aliceContext.setDefaultTimeout(15_000);
    const aliceProblems = watchConsole(aliceContext);
    const alice = await aliceContext.newPage();
    try {
      await signInThroughUi(alice, "alice@example.com", DEMO_PASSWORD);
      await screenshot(alice, "apps");
      await alice.locator('a[href="/apps/itwin-browser"]').click();
      const login = alice.getByRole("link", { name: "Log in to bentley-itwin" });
      await login.waitFor();
      await screenshot(alice, "app-itwin-browser-login");
      await login.click();
      await signInAtEmulator(alice, ui.hub.url, ALICE, "/apps/itwin-browser");
      // Back on the app page, which loads the view with alice's data.
      await alice.getByText("Harbor Bridge Retrofit").first().waitFor();
      await expandAll(alice);
      await alice.getByText(/Deck/).first().waitFor();
      expect(await login.count()).toBe(0);
      await screenshot(alice, "app-itwin-browser");

      await alice.getByRole("link", { name: "Account" }).click();
      const row = alice.getByRole("row", { name: /bentley-itwin/ });
      await row.waitFor();
      expect(await row.textContent()).toContain("Connected");
      expect(await row.textContent()).toContain("itwin-platform");
      await screenshot(alice, "account");
      await alice.getByRole("button", { name: "Disconnect bentley-itwin" }).click();
      await alice
        .getByRole("dialog", { name: "Disconnect bentley-itwin?" })
        .getByRole("button", { name: "Disconnect" })
        .click();
      await alice.getByText("Disconnected from bentley-itwin.").waitFor();
      expect(await alice.getByRole("row", { name: /bentley-itwin/ }).textContent()).toContain(
        "Not connected",
      );
      expect(await alice.getByRole("link", { name: "Connect bentley-itwin" }).count()).toBe(1);

      await alice.getByRole("link", { name: "Apps" }).click();
      await alice.locator('a[href="/apps/itwin-browser"]').click();
      await login.waitFor();
      expect(await alice.getByText("Harbor Bridge Retrofit").count()).toBe(0);
      expect(hubProblems(aliceProblems, ui.hub.url)).toEqual([]);
    } finally {
      await aliceContext.close();
    }
  });

  it("works at phone width", async () => {
    await ui.page.setViewportSize({ width: 390, height: 844 });
    await ui.page.goto("/admin/integrations");
    await ui.page.getByRole("row", { name: /autodesk-aps/ }).waitFor();
    await screenshot(ui.page, "admin-integrations-phone");
    const overflow = await ui.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it("logged no console errors", () => {
    expect(hubProblems(ui.problems, ui.hub.url)).toEqual([]);
  });
});
