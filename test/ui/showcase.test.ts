import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { screenshot, signInThroughUi, type ConsoleProblem } from "../helpers/chromium.ts";
import { useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { DEMO_PASSWORD } from "../helpers/hub.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures", import.meta.url));

// The app page with every result type, from a test app (test/fixtures/ui-showcase) run by the real app
// runtime: the data tree, the table's sorting, filtering and CSV, the sandboxed web view, a slow view's
// loading state and refresh button, a failing view's readable error, keyboard tabs and phone width.
describe("app page views", () => {
  const ui = useHubInBrowser({ appsDirs: [FIXTURES] });

  beforeAll(async () => {
    await signInThroughUi(ui.page, "bob@example.com", DEMO_PASSWORD);
  });

  it("lists the app and opens it with the parameters beside the views", async () => {
    await ui.page.getByRole("link", { name: "UI showcase" }).click();
    await ui.page.getByRole("heading", { name: "UI showcase", level: 1 }).waitFor();
    await ui.page.getByRole("heading", { name: "Parameters" }).waitFor();
    expect(await ui.page.getByRole("tab").count()).toBe(4);
    expect(await ui.page.getByRole("tab", { name: "Summary" }).getAttribute("aria-selected")).toBe("true");
  });

  it("shows a data result as a tree with units, decimals, statuses and explanations", async () => {
    const tree = ui.page.getByRole("list", { name: "Summary" });
    await tree.getByText("12.35 m").waitFor();
    expect(await tree.getByText("3 pcs").count()).toBe(1);
    expect(await tree.getByText("€ 1234.50").count()).toBe(1);
    expect(await tree.getByText("Counted from the parameters").count()).toBe(1);
    expect(await tree.getByText("Over the limit by 4 mm").count()).toBeGreaterThan(0);
    await screenshot(ui.page, "app-showcase-data");
    const group = ui.page.getByRole("button", { name: "Structure" });
    expect(await group.getAttribute("aria-expanded")).toBe("true");
    await group.click();
    expect(await group.getAttribute("aria-expanded")).toBe("false");
    expect(await tree.getByText("3 pcs").isVisible()).toBe(false);
    await group.press("Enter");
    expect(await tree.getByText("3 pcs").isVisible()).toBe(true);
  });

  it("re-runs a fast view when a parameter changes", async () => {
    await ui.page.getByLabel("Number of beams").fill("7");
    await ui.page.getByRole("list", { name: "Summary" }).getByText("7 pcs").waitFor();
  });

  it("explains a failing view in a sentence", async () => {
    await ui.page.getByLabel("Fail on purpose").check();
    const alert = ui.page.locator(".view-panel [role=alert]");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/beam count could not be read/);
    await screenshot(ui.page, "app-showcase-error");
    await ui.page.getByLabel("Fail on purpose").uncheck();
    await ui.page.getByRole("list", { name: "Summary" }).getByText("7 pcs").waitFor();
  });

  it("sorts, filters and downloads a table", async () => {
    await ui.page.getByRole("tab", { name: "Members" }).click();
    const table = ui.page.getByRole("table", { name: "Members" });
    await table.waitFor();
    const firstColumn = () => table.locator("tbody tr td:first-child").allTextContents();
    expect(await firstColumn()).toEqual(["B3", "B1", "B2"]);
    await table.getByRole("button", { name: /Member/ }).click();
    expect(await firstColumn()).toEqual(["B1", "B2", "B3"]);
    expect(await table.getByRole("columnheader", { name: /Member/ }).getAttribute("aria-sort")).toBe(
      "ascending",
    );
    await table.getByRole("button", { name: /Member/ }).click();
    expect(await firstColumn()).toEqual(["B3", "B2", "B1"]);
    await table.getByRole("button", { name: /Length/ }).click();
    expect(await firstColumn()).toEqual(["B3", "B2", "B1"]);
    expect(await table.locator("tbody tr:first-child td:nth-child(3)").textContent()).toBe("4.25");
    await screenshot(ui.page, "app-showcase-table");

    const [download] = await Promise.all([
      ui.page.waitForEvent("download"),
      ui.page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("ui-showcase-table.csv");
    const csv = readFileSync(await download.path(), "utf8").replace(/^\ufeff/, "");
    expect(csv.split("\r\n")).toEqual([
      "Member,Material,Length (m),Load (kN)",
      "B3,steel,4.25,120",
      "B2,steel,7,95",
      "B1,timber,12.5,80",
      "",
    ]);

    await ui.page.getByLabel("Filter rows").fill("timber");
    expect(await firstColumn()).toEqual(["B1"]);
    await ui.page.getByText("1 of 3 rows").waitFor();
    await ui.page.getByLabel("Filter rows").fill("");
  });

  it("shows a web result in a sandboxed frame", async () => {
    await ui.page.getByRole("tab", { name: "Report" }).click();
    const frame = ui.page.locator("iframe[title=Report]");
    await frame.waitFor();
    expect(await frame.getAttribute("sandbox")).toBe("");
    await ui.page.frameLocator("iframe[title=Report]").getByText("Hello from the app").waitFor();
  });

  it("moves between tabs with the arrow keys", async () => {
    await ui.page.getByRole("tab", { name: "Report" }).focus();
    await ui.page.keyboard.press("ArrowLeft");
    expect(await ui.page.getByRole("tab", { name: "Members" }).getAttribute("aria-selected")).toBe("true");
    expect(await ui.page.evaluate(() => document.activeElement?.textContent)).toBe("Members");
  });

  it("gives a slow view a loading state from durationGuess and a refresh button", async () => {
    await ui.page.getByRole("tab", { name: "Slow analysis" }).click();
    await ui.page.getByText("this usually takes about 4 s").waitFor();
    await ui.page.getByRole("progressbar", { name: "Progress of this view" }).waitFor();
    await screenshot(ui.page, "app-showcase-loading");
    await ui.page.getByText("done", { exact: true }).waitFor();
    const refresh = ui.page.getByRole("button", { name: "Refresh" });
    await refresh.waitFor();
    await refresh.click();
    await ui.page.getByText("this usually takes about 4 s").waitFor();
    await ui.page.getByText("done", { exact: true }).waitFor();
  });

  it("keeps the page after a reload, and works at phone width", async () => {
    await ui.page.reload();
    await ui.page.getByRole("heading", { name: "UI showcase", level: 1 }).waitFor();
    expect(await ui.page.getByRole("tab", { name: "Slow analysis" }).getAttribute("aria-selected")).toBe(
      "true",
    );
    expect(await ui.page.getByLabel("Number of beams").inputValue()).toBe("7");
    await ui.page.setViewportSize({ width: 390, height: 844 });
    await ui.page.getByRole("tab", { name: "Summary" }).click();
    await ui.page.getByRole("list", { name: "Summary" }).getByText("7 pcs").waitFor();
    await screenshot(ui.page, "app-showcase-phone");
    expect(
      await ui.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
  });

  it("creates a personal access token on the account page, shows it once, and revokes it", async () => {
    await ui.page.setViewportSize({ width: 1280, height: 900 });
    await ui.page.getByRole("link", { name: "Account" }).click();
    await ui.page.getByRole("heading", { name: "Personal access tokens" }).waitFor();
    await ui.page.getByLabel("Token name").fill("laptop");
    await ui.page.getByRole("button", { name: "Create token" }).click();
    const token = await ui.page.getByLabel(/Your new token/).inputValue();
    expect(token.length).toBeGreaterThan(20);
    await ui.page.getByRole("row", { name: /laptop/ }).waitFor();
    await screenshot(ui.page, "account-tokens");
    const client = ui.hub.client();
    client.bearer = token;
    expect((await client.get("/api/me")).status).toBe(200);
    await ui.page.getByRole("button", { name: "Revoke token laptop" }).click();
    await expect
      .poll(() => ui.page.getByRole("row", { name: /laptop/ }).count(), { timeout: 10_000 })
      .toBe(0);
    expect(await ui.page.getByLabel(/Your new token/).count()).toBe(0);
    expect((await client.get("/api/me")).status).toBe(401);
  });

  it("signs out, sends a signed-out visitor to the sign-in page, and back to where they were going", async () => {
    await ui.page.getByRole("button", { name: "Sign out" }).click();
    await ui.page.getByRole("heading", { name: "Sign in to Gatehouse" }).waitFor();
    await ui.page.goto("/account");
    await ui.page.waitForURL(
      (url) => url.pathname === "/login" && url.searchParams.get("next") === "/account",
    );
    await ui.page.getByLabel("Email").fill("bob@example.com");
    await ui.page.getByLabel("Password").fill(DEMO_PASSWORD);
    await ui.page.getByRole("button", { name: "Sign in" }).click();
    await ui.page.getByRole("heading", { name: "Your account" }).waitFor();
  });

  it("logged no console errors but the expected failed requests", () => {
    const expected = (p: ConsoleProblem) =>
      // The view that fails on purpose, and the signed-out visit to /account asking who is signed in.
      (p.url.endsWith("/api/apps/ui-showcase/views/summary") && /status of 500/.test(p.text)) ||
      (p.url.endsWith("/api/me") && /status of 401/.test(p.text));
    expect(ui.problems.filter(expected)).toHaveLength(2);
    expect(ui.problems.filter((p) => !expected(p))).toEqual([]);
  });
});
