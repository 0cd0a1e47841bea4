import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  hubProblems,
  screenshot,
  signInAtEmulator,
  signInThroughUi,
  type ConsoleProblem,
} from "../helpers/chromium.ts";
import { updateConnections } from "../helpers/directWrites.ts";
import { useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { ALICE, DEMO_PASSWORD } from "../helpers/hub.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));

// The second scenario in real Chromium, with the sandbox's autodesk-aps integration: alice opens
// acc-hubs, logs in at the Autodesk emulator, lands back on the app and sees her hubs and projects, sorts a
// column and downloads the CSV; disconnects on the account page and gets the login button again.
describe("acc-hubs in the browser", () => {
  const ui = useHubInBrowser({ appsDirs: [EXAMPLES], emulatorHosts: true });

  const login = () => ui.page.getByRole("link", { name: "Log in to autodesk-aps" });

  it("connects alice's Autodesk account from the app page", async () => {
    await signInThroughUi(ui.page, "alice@example.com", DEMO_PASSWORD);
    await ui.page.locator('a[href="/apps/acc-hubs"]').click();
    await login().waitFor();
    await screenshot(ui.page, "app-acc-hubs-login");
    await login().click();
    await signInAtEmulator(ui.page, ui.hub.url, ALICE, "/apps/acc-hubs");
    await ui.page.getByText("Anders Engineering").first().waitFor();
    expect(await login().count()).toBe(0);
  });

  it("shows her projects in a table she can sort and download", async () => {
    const table = ui.page.getByRole("table", { name: "Get ACC hubs" });
    await table.getByText("Summit Tower").waitFor();
    await screenshot(ui.page, "app-acc-hubs");
    const headers = await table.getByRole("columnheader").allTextContents();
    const projectColumn =
      headers.findIndex((h) => h.startsWith("Project") && !h.startsWith("Project ID")) + 1;
    expect(projectColumn).toBeGreaterThan(0);
    const projects = () => table.locator(`tbody tr > :nth-child(${projectColumn})`).allTextContents();
    const shown = await projects();
    expect(shown).toContain("Summit Tower");
    const byName = (a: string, b: string) =>
      a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });

    const sortButton = table.getByRole("button", { name: /^Project(?! ID)/ });
    await sortButton.click();
    expect(await table.getByRole("columnheader", { name: /^Project(?! ID)/ }).getAttribute("aria-sort")).toBe(
      "ascending",
    );
    const ascending = await projects();
    expect(ascending).toEqual([...shown].sort(byName));
    await sortButton.click();
    const descending = await projects();
    expect(descending).toEqual([...ascending].reverse());
    await screenshot(ui.page, "app-acc-hubs-sorted");

    const [download] = await Promise.all([
      ui.page.waitForEvent("download"),
      ui.page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("acc-hubs-hubs.csv");
    const lines = readFileSync(await download.path(), "utf8")
      .replace(/^\ufeff/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe(headers.map((h) => h.replace(/[↕▲▼]/g, "").trim()).join(","));
    expect(lines).toHaveLength(descending.length + 1);
    // The file holds the rows in the order shown: sorted by project, descending.
    expect(lines.slice(1).map((line) => line.split(",")[projectColumn - 1])).toEqual(descending);
  });

  it("shows the login button again when a view answers login_required, and recovers after logging in", async () => {
    // The hub cannot refresh this connection any more (no refresh token, access token expired), but the
    // app page still lists it as connected: the view runs and the hub answers 401 login_required.
    await updateConnections(ui.hub.hub.services.store.db, { refresh_token_enc: null, expires_at: 0 });
    await ui.page.reload();
    await login().waitFor();
    expect(await ui.page.getByRole("table", { name: "Get ACC hubs" }).count()).toBe(0);
    await screenshot(ui.page, "app-acc-hubs-login-required");
    await login().click();
    await signInAtEmulator(ui.page, ui.hub.url, ALICE, "/apps/acc-hubs");
    await ui.page.getByRole("table", { name: "Get ACC hubs" }).getByText("Summit Tower").waitFor();
  });

  it("disconnects on the account page, and the app asks to log in again", async () => {
    await ui.page.getByRole("link", { name: "Account" }).click();
    const row = ui.page.getByRole("row", { name: /autodesk-aps/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("Connected");
    await ui.page.getByRole("button", { name: "Disconnect autodesk-aps" }).click();
    const confirm = ui.page.getByRole("dialog", { name: "Disconnect autodesk-aps?" });
    await confirm.getByRole("button", { name: "Disconnect" }).click();
    await ui.page.getByText("Disconnected from autodesk-aps.").waitFor();
    await ui.page.getByRole("link", { name: "Apps" }).click();
    await ui.page.locator('a[href="/apps/acc-hubs"]').click();
    await login().waitFor();
    expect(await ui.page.getByText("Summit Tower").count()).toBe(0);
  });

  it("logged no console errors but the 401 of the view that needed a new login", () => {
    const expected = (p: ConsoleProblem) =>
      p.url.endsWith("/api/apps/acc-hubs/views/hubs") && /status of 401/.test(p.text);
    const seen = hubProblems(ui.problems, ui.hub.url);
    expect(seen.filter(expected)).toHaveLength(1);
    expect(seen.filter((p) => !expected(p))).toEqual([]);
  });
});
