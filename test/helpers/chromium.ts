/**
 * Real Chromium for the UI tests: Debian's /usr/bin/chromium driven by playwright-core (never a downloaded
 * browser). Also: a fresh web/dist before the hub serves it, a console watcher that turns every console
 * error into a test failure, and screenshots under test-results/ for a person to look at.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { buildWebInto } from "../../src/hub/http/static.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WEB_DIR = join(ROOT, "web");
const DIST_INDEX = join(WEB_DIR, "dist", "index.html");
export const RESULTS_DIR = join(ROOT, "test-results");

/** Newest modification time of the UI's sources (web/src, index.html, the Vite config). */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(WEB_DIR, "src"));
  for (const file of ["index.html", "vite.config.ts"])
    newest = Math.max(newest, statSync(join(WEB_DIR, file)).mtimeMs);
  return newest;
}

/** Builds web/dist when it is missing or older than its sources, so the tests never run a stale UI. */
export async function ensureFreshWebBuild(): Promise<void> {
  const fresh = () => existsSync(DIST_INDEX) && statSync(DIST_INDEX).mtimeMs >= newestSource();
  await buildWebInto(join(WEB_DIR, "dist"), () => !fresh());
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install it with "apt-get install -y chromium" (.ci/run does)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface ConsoleProblem {
  url: string;
  text: string;
}

/**
 * Collects console errors and uncaught page errors from every page of `context`. Tests assert the list is
 * empty at the end; each entry names the page it came from.
 */
export function watchConsole(context: BrowserContext): ConsoleProblem[] {
  const problems: ConsoleProblem[] = [];
  const watch = (page: Page) => {
    page.on("console", (message) => {
      if (message.type() === "error") {
        const location = message.location();
        problems.push({ url: location.url || page.url(), text: message.text() });
      }
    });
    page.on("pageerror", (error) => problems.push({ url: page.url(), text: `uncaught: ${error.message}` }));
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return problems;
}

/**
 * The form controls and buttons on the page a screen reader could not name: no <label>, no aria-label or
 * aria-labelledby, no text. Hidden controls are skipped.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const el of Array.from(
      document.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href]"),
    )) {
      if (el.closest("[hidden]") || (el instanceof HTMLInputElement && el.type === "hidden")) continue;
      const labelled =
        Boolean(el.getAttribute("aria-label")?.trim()) ||
        Boolean(el.getAttribute("aria-labelledby")) ||
        ("labels" in el &&
          (el as HTMLInputElement).labels !== null &&
          (el as HTMLInputElement).labels!.length > 0) ||
        ((el.tagName === "BUTTON" || el.tagName === "A") && Boolean(el.textContent?.trim()));
      if (!labelled) found.push(el.outerHTML.slice(0, 120));
    }
    return found;
  });
}

/**
 * Saves a full-page screenshot as test-results/<name>.png, after checking that every control on the page
 * has an accessible name (each main page of the UI passes through here).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const unlabelled = await unlabelledControls(page);
  if (unlabelled.length > 0)
    throw new Error(`controls without a label on ${name}: ${unlabelled.join(" | ")}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs in through the hub's /login page and waits until the UI has left it. */
export async function signInThroughUi(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname !== "/login");
}

/**
 * On an emulator's sign-in page (after pressing "Log in to …"): signs in with the labelled fields, allows
 * on the consent page, and waits until the provider has sent the browser back to the hub at `returnPath`.
 */
export async function signInAtEmulator(
  page: Page,
  hubUrl: string,
  account: { email: string; password: string },
  returnPath: string,
): Promise<void> {
  const hubOrigin = new URL(hubUrl).origin;
  const isBack = (url: URL) => url.origin === hubOrigin && url.pathname === returnPath;
  const back = () => isBack(new URL(page.url()));
  await page.waitForURL((url) => url.origin !== hubOrigin || url.pathname === returnPath);
  // The emulator may remember the sign-in (its own session cookie) and skip a page or both.
  for (let step = 0; step < 4 && !back(); step++) {
    const signIn = page.getByRole("heading", { name: "Sign in" });
    const consent = page.getByRole("heading", { name: "Allow access?" });
    await Promise.race([signIn.waitFor(), consent.waitFor(), page.waitForURL(isBack)]);
    if (back()) break;
    if (await signIn.isVisible()) {
      await page.getByLabel("Email").fill(account.email);
      await page.getByLabel("Password").fill(account.password);
      await page.getByRole("button", { name: "Sign in" }).click();
    } else if (await consent.isVisible()) {
      await page.getByRole("button", { name: "Allow" }).click();
    }
    await page.waitForLoadState();
  }
  await page.waitForURL(isBack);
}

/** Opens every group of the data trees on the page ("Expand all"), when there are any. */
export async function expandAll(page: Page): Promise<void> {
  for (const button of await page.getByRole("button", { name: "Expand all" }).all()) await button.click();
}

/**
 * Waits for alice's iTwins in a data tree of the examples' Bentley view (`tree`, else anywhere on `page`):
 * her first project, then, with every group open, its fields and the state line of each.
 */
export async function waitForItwinsTree(page: Page, tree: Page | Locator = page): Promise<void> {
  await tree.getByText("Harbor Bridge Retrofit").first().waitFor();
  await expandAll(page);
  for (const label of ["Status", "Number", "iModels"]) await tree.getByText(label).first().waitFor();
  await tree
    .getByText(/State: .* \| Created: /)
    .first()
    .waitFor();
}

/**
 * Console errors that are not the hub UI's: the emulators' sign-in pages have no favicon, so Chromium logs
 * a 404 for /favicon.ico on the emulator's origin. Everything on the hub's origin counts.
 */
export function hubProblems(problems: ConsoleProblem[], hubUrl: string): ConsoleProblem[] {
  const hub = new URL(hubUrl).origin;
  return problems.filter((p) => {
    let origin = "";
    try {
      origin = new URL(p.url).origin;
    } catch {
      return true;
    }
    return origin === hub || !/\/favicon\.ico$/.test(new URL(p.url).pathname);
  });
}
