import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureFreshWebBuild,
  launchChromium,
  screenshot,
  signInThroughUi,
  watchConsole,
  type ConsoleProblem,
} from "./helpers/chromium.ts";
import { DEMO_PASSWORD, startTestHub, type TestHub } from "./helpers/hub.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));

// The app page with every result type, from a test app (test/fixtures/ui-showcase) run by the real app
// runtime: the data tree, the table's sorting, filtering and CSV, the sandboxed web view, a slow view's
// loading state and refresh button, a failing view's readable error, keyboard tabs and phone width.
describe("app page views", () => {
  let t: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: ConsoleProblem[];

  beforeAll(async () => {
    await ensureFreshWebBuild();
    t = await startTestHub({ config: { appsDirs: [FIXTURES] } });
    browser = await launchChromium();
    context = await browser.newContext({ baseURL: t.url, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    problems = watchConsole(context);
    page = await context.newPage();
    await signInThroughUi(page, "bob@example.com", DEMO_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("lists the app and opens it with the parameters beside the views", async () => {
    await page.getByRole("link", { name: "UI showcase" }).click();
    await page.getByRole("heading", { name: "UI showcase", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Parameters" }).waitFor();
    expect(await page.getByRole("tab").count()).toBe(4);
    expect(await page.getByRole("tab", { name: "Summary" }).getAttribute("aria-selected")).toBe("true");
  });

  it("shows a data result as a tree with units, decimals, statuses and explanations", async () => {
    const tree = page.getByRole("list", { name: "Summary" });
    await tree.getByText("12.35 m").waitFor();
    expect(await tree.getByText("3 pcs").count()).toBe(1);
    expect(await tree.getByText("€ 1234.50").count()).toBe(1);
    expect(await tree.getByText("Counted from the parameters").count()).toBe(1);
    expect(await tree.getByText("Over the limit by 4 mm").count()).toBeGreaterThan(0);
    await screenshot(page, "app-showcase-data");
    const group = page.getByRole("button", { name: "Structure" });
    expect(await group.getAttribute("aria-expanded")).toBe("true");
    await group.click();
    expect(await group.getAttribute("aria-expanded")).toBe("false");
    expect(await tree.getByText("3 pcs").isVisible()).toBe(false);
    await group.press("Enter");
    expect(await tree.getByText("3 pcs").isVisible()).toBe(true);
  });

  it("re-runs a fast view when a parameter changes", async () => {
    await page.getByLabel("Number of beams").fill("7");
    await page.getByRole("list", { name: "Summary" }).getByText("7 pcs").waitFor();
  });

  it("explains a failing view in a sentence", async () => {
    await page.getByLabel("Fail on purpose").check();
    const alert = page.locator(".view-panel [role=alert]");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/beam count could not be read/);
    await screenshot(page, "app-showcase-error");
    await page.getByLabel("Fail on purpose").uncheck();
    await page.getByRole("list", { name: "Summary" }).getByText("7 pcs").waitFor();
  });

  it("sorts, filters and downloads a table", async () => {
    await page.getByRole("tab", { name: "Members" }).click();
    const table = page.getByRole("table", { name: "Members" });
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
    await screenshot(page, "app-showcase-table");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
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

    await page.getByLabel("Filter rows").fill("timber");
    expect(await firstColumn()).toEqual(["B1"]);
    await page.getByText("1 of 3 rows").waitFor();
    await page.getByLabel("Filter rows").fill("");
  });

  it("shows a web result in a sandboxed frame", async () => {
    await page.getByRole("tab", { name: "Report" }).click();
    const frame = page.locator("iframe[title=Report]");
    await frame.waitFor();
    expect(await frame.getAttribute("sandbox")).toBe("");
    await page.frameLocator("iframe[title=Report]").getByText("Hello from the app").waitFor();
  });

  it("moves between tabs with the arrow keys", async () => {
    await page.getByRole("tab", { name: "Report" }).focus();
    await page.keyboard.press("ArrowLeft");
    expect(await page.getByRole("tab", { name: "Members" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Members");
  });

  it("gives a slow view a loading state from durationGuess and a refresh button", async () => {
    await page.getByRole("tab", { name: "Slow analysis" }).click();
    await page.getByText("this usually takes about 4 s").waitFor();
    await page.getByRole("progressbar", { name: "Progress of this view" }).waitFor();
    await screenshot(page, "app-showcase-loading");
    await page.getByText("done", { exact: true }).waitFor();
    const refresh = page.getByRole("button", { name: "Refresh" });
    await refresh.waitFor();
    await refresh.click();
    await page.getByText("this usually takes about 4 s").waitFor();
    await page.getByText("done", { exact: true }).waitFor();
  });

  it("keeps the page after a reload, and works at phone width", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "UI showcase", level: 1 }).waitFor();
    expect(await page.getByRole("tab", { name: "Slow analysis" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.getByLabel("Number of beams").inputValue()).toBe("7");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("tab", { name: "Summary" }).click();
    await page.getByRole("list", { name: "Summary" }).getByText("7 pcs").waitFor();
    await screenshot(page, "app-showcase-phone");
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
  });

  it("creates a personal access token on the account page, shows it once, and deletes it", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("heading", { name: "Personal access tokens" }).waitFor();
    await page.getByLabel("Token name").fill("laptop");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = await page.getByLabel(/Your new token/).inputValue();
    expect(token.length).toBeGreaterThan(20);
    await page.getByRole("row", { name: /laptop/ }).waitFor();
    await screenshot(page, "account-tokens");
    const client = t.client();
    client.bearer = token;
    expect((await client.get("/api/me")).status).toBe(200);
    await page.getByRole("button", { name: "Delete token laptop" }).click();
    await expect.poll(() => page.getByRole("row", { name: /laptop/ }).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByLabel(/Your new token/).count()).toBe(0);
    expect((await client.get("/api/me")).status).toBe(401);
  });

  it("signs out, sends a signed-out visitor to the sign-in page, and back to where they were going", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Gatehouse" }).waitFor();
    await page.goto("/account");
    await page.waitForURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/account");
    await page.getByLabel("Email").fill("bob@example.com");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
  });

  it("logged no console errors but the expected failed requests", () => {
    const expected = (p: ConsoleProblem) =>
      // The view that fails on purpose, and the signed-out visit to /account asking who is signed in.
      (p.url.endsWith("/api/apps/ui-showcase/views/summary") && /status of 500/.test(p.text)) ||
      (p.url.endsWith("/api/me") && /status of 401/.test(p.text));
    expect(problems.filter(expected)).toHaveLength(2);
    expect(problems.filter((p) => !expected(p))).toEqual([]);
  });
});
