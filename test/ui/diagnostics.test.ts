import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hubProblems, screenshot, signInAtEmulator, signInThroughUi } from "../helpers/chromium.ts";
import { GUIDE_BENTLEY_INTEGRATION } from "../helpers/guideIntegrations.ts";
import { openWindow, useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { ALICE, TEST_ADMIN } from "../helpers/hub.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));

// The trap in the browser: an integration created "as the guide says" and assigned to the example
// itwin-browser, whose config lists only bentley-itwin. The integration's page and the app's page both say
// so; the Test button passes for a working integration and says what failed for a broken one; and a sign-in
// whose issuer the integration does not expect lands on a page that names both issuers and the field.
describe("diagnostics in the browser", () => {
  const ui = useHubInBrowser({ appsDirs: [EXAMPLES], emulatorHosts: true });

  it("shows on the integration's page that the app's config does not list it", async () => {
    const admin = await ui.hub.admin();
    const created = await admin.post("/api/admin/integrations", GUIDE_BENTLEY_INTEGRATION);
    expect(created.status, created.text).toBe(201);
    await signInThroughUi(ui.page, TEST_ADMIN.email, TEST_ADMIN.password);
    await ui.page.goto("/admin/integrations/viktor-itwin-integration");
    const row = ui.page.getByRole("table", { name: "Apps and this integration" }).getByRole("row", {
      name: /itwin-browser/,
    });
    await row.waitFor();
    expect(await row.textContent()).toContain("Not yet");
    expect(await row.textContent()).toContain(
      "itwin-browser's gatehouse.config.toml does not list viktor-itwin-integration in oauth2_integrations",
    );
    await screenshot(ui.page, "diagnostics-1-integration-apps");
  });

  it("says the same on the app's page", async () => {
    await ui.page.getByRole("link", { name: "itwin-browser", exact: true }).click();
    await ui.page.getByRole("heading", { name: "Bentley iTwin browser", level: 1 }).waitFor();
    await ui.page
      .getByText(
        "viktor-itwin-integration is assigned to itwin-browser, but itwin-browser's gatehouse.config.toml does not list it",
      )
      .waitFor();
    await screenshot(ui.page, "diagnostics-2-app-page");
  });

  it("Test passes for a working integration and names what fails for a broken one", async () => {
    await ui.page.goto("/admin/integrations/viktor-itwin-integration");
    await ui.page.getByRole("button", { name: "Test the integration" }).click();
    await ui.page.getByText("Every check passed.").waitFor();
    const results = ui.page.getByRole("list", { name: "Test results" });
    expect(await results.getByRole("listitem").count()).toBe(3);

    // A wrong secret, saved through the form: the token endpoint refuses the client.
    await ui.page.getByLabel("Client secret").fill("not-the-secret");
    await ui.page.getByRole("button", { name: "Save changes" }).click();
    await ui.page.getByText("Saved.").waitFor();
    await ui.page.getByRole("button", { name: "Test the integration" }).click();
    await ui.page.getByText("Some checks failed: see what each found below.").waitFor();
    const token = results.getByRole("listitem").filter({ hasText: "Token endpoint" });
    expect(await token.textContent()).toContain("Failed");
    expect(await token.textContent()).toContain("refused the client (invalid_client");
    await screenshot(ui.page, "diagnostics-3-test-failed");

    await ui.page.getByLabel("Client secret").fill("sandbox-web-secret");
    await ui.page.getByRole("button", { name: "Save changes" }).click();
    await ui.page.getByText("Saved.").waitFor();
  });

  it("names both issuers and the Issuer field when the sign-in comes from another issuer", async () => {
    const admin = await ui.hub.admin();
    const bentley = ui.hub.emulators!.bentley.url;
    // URLs pointed at the emulator by hand, the issuer left at the real platform's (the trap).
    const patched = await admin.patch("/api/admin/integrations/bentley-itwin", {
      issuer: "https://ims.bentley.com",
    });
    expect(patched.status).toBe(200);
    const { context, page: alice, problems } = await openWindow(ui);
    try {
      await signInThroughUi(alice, ALICE.email, ALICE.password);
      await alice.locator('a[href="/apps/itwin-browser"]').click();
      await alice.getByRole("link", { name: "Log in to bentley-itwin" }).click();
      await signInAtEmulator(alice, ui.hub.url, ALICE, "/api/integrations/oauth2/callback/");
      await alice.getByRole("heading", { name: "Could not connect bentley-itwin" }).waitFor();
      await alice
        .getByText(
          `The answer names the issuer ${bentley}, but this integration expects https://ims.bentley.com.`,
        )
        .waitFor();
      await alice.getByText(/Issuer is set under Advanced settings/).waitFor();
      await screenshot(alice, "diagnostics-4-issuer-mismatch");

      // The way back leads to the app it came from.
      expect(
        await alice.getByRole("link", { name: "Back to Bentley iTwin browser" }).getAttribute("href"),
      ).toBe("/apps/itwin-browser");
      // Once an admin fixed the issuer, Try again connects (same integration, same app, same way back).
      await admin.patch("/api/admin/integrations/bentley-itwin", { issuer: bentley });
      await alice.getByRole("link", { name: "Try again" }).click();
      await signInAtEmulator(alice, ui.hub.url, ALICE, "/apps/itwin-browser");
      await alice.getByText("Harbor Bridge Retrofit").first().waitFor();
      // The error page answers 400 (it is one), which Chromium notes for the document; nothing else.
      expect(hubProblems(problems, ui.hub.url)).toEqual([
        {
          url: expect.stringContaining("/api/integrations/oauth2/callback/?") as string,
          text: "Failed to load resource: the server responded with a status of 400 (Bad Request)",
        },
      ]);
    } finally {
      await context.close();
    }
  });

  it("logged no console errors", () => {
    expect(hubProblems(ui.problems, ui.hub.url)).toEqual([]);
  });
});
