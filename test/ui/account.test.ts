import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hubProblems,
  screenshot,
  signInAtEmulator,
  signInThroughUi,
  type ConsoleProblem,
} from "../helpers/chromium.ts";
import { DATE_TIME_FORMAT } from "../../web/src/api.ts";
import { updateConnections } from "../helpers/directWrites.ts";
import { openWindow, useHubInBrowser } from "../helpers/hubInBrowser.ts";
import { ALICE, DEMO_PASSWORD } from "../helpers/hub.ts";
import { HANG_GUARD_MS } from "../helpers/waitUntil.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));
const BOB = { email: "bob@example.com", password: DEMO_PASSWORD };
const TIME_ZONE = "Europe/Amsterdam";
/** expect.poll gives up after 1 s by default, which a page on a loaded machine can take: a hang guard. */
const UNTIL_SHOWN = { timeout: HANG_GUARD_MS };

/** What the page should print for `iso` in the browser's zone and language (en-GB here). */
const local = (iso: string) =>
  new Date(iso).toLocaleString("en-GB", { ...DATE_TIME_FORMAT, timeZone: TIME_ZONE });

// The account page as users expect it: every integration their apps use, Connect / Reconnect / Disconnect
// (after a confirmation), which provider account is connected, and the times in their own time zone.
describe("the account page", () => {
  const ui = useHubInBrowser({ appsDirs: [EXAMPLES], emulatorHosts: true });
  let context: BrowserContext;
  let page: Page;
  let problems: ConsoleProblem[];
  beforeAll(async () => {
    ({ context, page, problems } = await openWindow(ui, { timezoneId: TIME_ZONE, locale: "en-GB" }));
    await signInThroughUi(page, ALICE.email, ALICE.password);
  });
  afterAll(async () => {
    await context?.close();
  });

  const row = (name: string) => page.getByRole("row", { name: new RegExp(`^${name}\\b`) });

  it("lists every integration alice's apps use, each with Connect", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    for (const name of ["autodesk-aps", "bentley-itwin", "seequent-evo"]) {
      await row(name).waitFor();
      expect(await row(name).textContent()).toContain("Not connected");
      expect(await page.getByRole("link", { name: `Connect ${name}` }).count()).toBe(1);
    }
    // A service integration has no account to connect.
    expect(await page.getByRole("row", { name: /bentley-itwin-service/ }).count()).toBe(0);
    await screenshot(page, "account-1-not-connected");
  });

  it("connects from the account page and comes back to it, naming the account, in local time", async () => {
    await page.getByRole("link", { name: "Connect bentley-itwin" }).click();
    await signInAtEmulator(page, ui.hub.url, ALICE, "/account");
    await expect.poll(() => row("bentley-itwin").textContent(), UNTIL_SHOWN).toContain("Connected");
    const text = (await row("bentley-itwin").textContent()) ?? "";
    expect(text).toContain("Alice Anders · alice@example.com");
    const admin = await ui.hub.signIn("alice@example.com");
    const [connection] = (
      await admin.get<{ integration: string; expiresAt: string; connectedAt: string }[]>(
        "/api/me/connections",
      )
    ).body;
    expect(text).toContain(local(connection!.expiresAt));
    expect(text).toContain(local(connection!.connectedAt));
    expect(text).toMatch(/CET|CEST|GMT\+[12]/);
    const stamp = page
      .getByRole("row", { name: /^bentley-itwin\b/ })
      .locator("time")
      .first();
    expect(await stamp.getAttribute("datetime")).toBe(connection!.expiresAt);
    await screenshot(page, "account-2-connected");
  });

  it("reconnects as another provider account", async () => {
    // Sign out at the emulator (its session cookie) so that its sign-in page asks who to be.
    await context.clearCookies({ name: /^_session/ });
    await page.getByRole("link", { name: "Reconnect bentley-itwin" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signInAtEmulator(page, ui.hub.url, BOB, "/account");
    await expect.poll(() => row("bentley-itwin").textContent(), UNTIL_SHOWN).toContain("bob@example.com");
    expect(await row("bentley-itwin").textContent()).not.toContain("alice@example.com");
  });

  it("disconnects only after a confirmation, and revokes at the provider", async () => {
    await page.getByRole("button", { name: "Disconnect bentley-itwin" }).click();
    const dialog = page.getByRole("dialog", { name: "Disconnect bentley-itwin?" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("revokes the access at the platform");
    await screenshot(page, "account-3-disconnect-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await row("bentley-itwin").textContent()).toContain("Connected");

    ui.hub.emulators!.bentley.resetStats();
    await page.getByRole("button", { name: "Disconnect bentley-itwin" }).click();
    await dialog.getByRole("button", { name: "Disconnect" }).click();
    await page.getByText("Disconnected from bentley-itwin.").waitFor();
    expect(await row("bentley-itwin").textContent()).toContain("Not connected");
    expect(ui.hub.emulators!.bentley.stats().revocation).toBeGreaterThan(0);
  });

  it("offers Reconnect first when a connection needs it", async () => {
    await page.getByRole("link", { name: "Connect autodesk-aps" }).click();
    await signInAtEmulator(page, ui.hub.url, ALICE, "/account");
    await expect.poll(() => row("autodesk-aps").textContent(), UNTIL_SHOWN).toContain("Connected");
    await updateConnections(ui.hub.hub.services.store.db, { status: "reconnect_required" });
    await page.reload();
    await expect.poll(() => row("autodesk-aps").textContent(), UNTIL_SHOWN).toContain("Reconnect required");
    const reconnect = page.getByRole("link", { name: "Reconnect autodesk-aps" });
    expect(await reconnect.getAttribute("class")).toBe("button small");
    await screenshot(page, "account-4-reconnect-required");
  });

  it("works at phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await row("autodesk-aps").waitFor();
    await screenshot(page, "account-5-phone");
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
  });

  it("logged no console errors", () => {
    expect(hubProblems(problems, ui.hub.url)).toEqual([]);
    expect(hubProblems(ui.problems, ui.hub.url)).toEqual([]);
  });
});
