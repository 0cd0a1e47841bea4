import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { HubConfig } from "../../src/config/index.ts";
import { useEmulatorHostMap } from "./appsHub.ts";
import {
  ensureFreshWebBuild,
  hubProblems,
  launchChromium,
  watchConsole,
  type ConsoleProblem,
} from "./chromium.ts";
import { startTestHub, type TestHub } from "./hub.ts";

export interface HubInBrowserOptions {
  /** Where the hub loads apps from. */
  appsDirs: string[];
  /** Let the apps reach this hub's provider emulators (see useEmulatorHostMap). */
  emulatorHosts?: boolean;
  /** Default: a 1280×900 desktop window. */
  viewport?: { width: number; height: number };
  /** Browser permissions granted on the hub's origin, e.g. clipboard access. */
  permissions?: string[];
  /** More of the hub's settings (e.g. appSandbox). */
  config?: Partial<HubConfig>;
  /** Sign people in at the Bentley emulator, as the sandbox does. */
  sandboxSignIn?: boolean;
}

/** What a UI suite drives: a test hub, and one Chromium page on it whose console problems are collected. */
export interface HubInBrowser {
  hub: TestHub;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  problems: ConsoleProblem[];
}

/**
 * A fresh web build, a test hub and a Chromium page on it for one `describe` block: started in its
 * `beforeAll`, closed in its `afterAll`. The fields are filled once started, so read them inside hooks
 * and tests.
 */
export function useHubInBrowser(options: HubInBrowserOptions): HubInBrowser {
  const ui = {} as HubInBrowser;
  beforeAll(async () => {
    await ensureFreshWebBuild();
    ui.hub = await startTestHub({
      config: { ...options.config, appsDirs: options.appsDirs },
      ...(options.sandboxSignIn ? { sandboxSignIn: true } : {}),
    });
    if (options.emulatorHosts) useEmulatorHostMap(ui.hub);
    ui.browser = await launchChromium();
    ui.context = await ui.browser.newContext({
      baseURL: ui.hub.url,
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
    if (options.permissions) await ui.context.grantPermissions(options.permissions, { origin: ui.hub.url });
    ui.context.setDefaultTimeout(15_000);
    ui.problems = watchConsole(ui.context);
    ui.page = await ui.context.newPage();
  });
  afterAll(async () => {
    await ui.browser?.close();
    await ui.hub?.close();
  });
  return ui;
}

/** Another browser window on the hub with its own cookies (say, a user beside the admin). */
export interface BrowserWindow {
  context: BrowserContext;
  page: Page;
  problems: ConsoleProblem[];
}

/**
 * A fresh context and page on `ui`'s hub, 1280×900 and 20 s timeouts unless `options` say otherwise, with its
 * console problems collected. The caller closes `context`.
 */
export async function openWindow(
  ui: HubInBrowser,
  options: BrowserContextOptions = {},
): Promise<BrowserWindow> {
  const context = await ui.browser.newContext({
    baseURL: ui.hub.url,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  context.setDefaultTimeout(20_000);
  const problems = watchConsole(context);
  return { context, page: await context.newPage(), problems };
}

/**
 * Runs `steps` in a fresh window (openWindow), then checks the hub's pages logged no console errors; the
 * window is closed either way.
 */
export async function inWindow(
  ui: HubInBrowser,
  steps: (window: BrowserWindow) => Promise<void>,
  options: BrowserContextOptions = {},
): Promise<void> {
  const window = await openWindow(ui, options);
  try {
    await steps(window);
    expect(hubProblems(window.problems, ui.hub.url)).toEqual([]);
  } finally {
    await window.context.close();
  }
}
