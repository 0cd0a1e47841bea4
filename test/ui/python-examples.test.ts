import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  hubProblems,
  screenshot,
  signInAtEmulator,
  signInThroughUi,
  waitForItwinsTree,
} from "../helpers/chromium.ts";
import { inWindow, openWindow, useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { DEMO_PASSWORD } from "../helpers/hub.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));

/** Opens `app`, logs in to `integration` at its emulator as `email`, and lands back on the app's page. */
async function openConnected(page: Page, hubUrl: string, email: string, app: string, integration: string) {
  await page.goto(`/apps/${app}`);
  const login = page.getByRole("link", { name: `Log in to ${integration}` });
  await login.click();
  await signInAtEmulator(page, hubUrl, { email, password: DEMO_PASSWORD }, `/apps/${app}`);
  expect(await login.count()).toBe(0);
}

// The two Python examples (the seeds' own controllers) in real Chromium, run by the hub in the app sandbox:
// each demo user signs in to the hub, connects through the emulators' pages from the app's login button,
// and sees what the seed's code shows them — alice the iTwins tree and her hubs, bob the empty states,
// carol the sentence that explains her 403 — rendered as the TypeScript examples' results are.
describe("the Python examples in the browser", () => {
  const ui = useHubInBrowser({ appsDirs: [EXAMPLES], emulatorHosts: true });

  it("alice: the tree of her iTwins with their iModels, and her hubs", async () => {
    await inWindow(ui, async ({ page }) => {
      await signInThroughUi(page, "alice@example.com", DEMO_PASSWORD);
      await page.getByRole("link", { name: "Bentley iTwin browser (Python)" }).click();
      await page.getByRole("heading", { name: "Bentley iTwin OAuth2 Integration" }).waitFor();
      await openConnected(page, ui.hub.url, "alice@example.com", "itwin-browser-py", "bentley-itwin");
      const tree = page.getByRole("list", { name: "Bentley data" });
      await waitForItwinsTree(page, tree);
      expect(await tree.getByText("No iModels found").count()).toBeGreaterThan(0);
      await screenshot(page, "python-itwin-browser-alice");

      await openConnected(page, ui.hub.url, "alice@example.com", "acc-hubs-py", "autodesk-aps");
      const hubs = page.getByRole("table", { name: "Get ACC Hubs" });
      await hubs.getByText("Anders Engineering").waitFor();
      expect(await hubs.getByRole("columnheader").allTextContents()).toEqual([
        expect.stringMatching(/^Hub name/),
        expect.stringMatching(/^ID/),
      ]);
      expect(await hubs.locator("tbody tr").count()).toBeGreaterThan(1);
      await screenshot(page, "python-acc-hubs-alice");
    });
  });

  it("bob: no iTwins, and a table with no hubs", async () => {
    await inWindow(ui, async ({ page }) => {
      await signInThroughUi(page, "bob@example.com", DEMO_PASSWORD);
      await openConnected(page, ui.hub.url, "bob@example.com", "itwin-browser-py", "bentley-itwin");
      await page.getByRole("list", { name: "Bentley data" }).getByText("No iTwins found").waitFor();
      await screenshot(page, "python-itwin-browser-bob");
      await openConnected(page, ui.hub.url, "bob@example.com", "acc-hubs-py", "autodesk-aps");
      await page.getByText("This table has no rows.").waitFor();
      await screenshot(page, "python-acc-hubs-bob");
    });
  });

  it("carol: the 403 explained in a sentence that names the permission her role lacks", async () => {
    const { context, page, problems } = await openWindow(ui);
    try {
      await signInThroughUi(page, "carol@example.com", DEMO_PASSWORD);
      await openConnected(page, ui.hub.url, "carol@example.com", "itwin-browser-py", "bentley-itwin");
      const alert = page.locator(".view-panel [role=alert]");
      await alert.waitFor();
      const text = await alert.textContent();
      expect(text).toContain("Bentley refused the request: the integration's scope (itwin-platform) is fine");
      expect(text).toContain("lacks a permission the call needs (imodels_read)");
      await screenshot(page, "python-itwin-browser-carol");
      // The one failed request is the view's 502 that the sentence explains.
      const seen = hubProblems(problems, ui.hub.url);
      expect(seen.map((p) => [new URL(p.url).pathname, /status of 502/.test(p.text)])).toEqual([
        ["/api/apps/itwin-browser-py/views/get_bentley_data", true],
      ]);
    } finally {
      await context.close();
    }
  });
});
