import fp from "fastify-plugin";
import { CapabilityStore } from "../../apps/capabilities.ts";
import { discoverApps } from "../../apps/loader.ts";
import { AppRegistry } from "../../apps/registry.ts";
import { detectSandbox } from "../../apps/sandbox/detect.ts";
import { logSandboxStatus } from "../../apps/sandbox/report.ts";
import { runtimeSettingsFor } from "../../apps/settings.ts";
import { ConfigError } from "../../config/index.ts";
import type { AppReloads } from "./appReloads.ts";
import type { AppDirectory } from "../context.ts";
import { Invocations } from "./invocations.ts";

const PRUNE_INTERVAL_MS = 60_000;
const VIEW_TIMEOUT_VARIABLE = "GATEHOUSE_VIEW_TIMEOUT_SECONDS";

/** GATEHOUSE_VIEW_TIMEOUT_SECONDS (default 60). */
function viewTimeoutFromEnv(): number | undefined {
  const raw = process.env[VIEW_TIMEOUT_VARIABLE];
  if (raw === undefined || raw === "") return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new ConfigError(
      VIEW_TIMEOUT_VARIABLE,
      `${VIEW_TIMEOUT_VARIABLE}: must be a number of seconds from 1 to 3600 (got "${raw}")`,
    );
  }
  return seconds * 1000;
}

export interface AppsPluginOptions {
  /** The directory to answer with when no apps directory is searched (tests; default none). */
  directory: AppDirectory | null;
  /** `gatehouse dev`'s reload notices for the open app pages; null on a hub that does not reload apps. */
  reloads: AppReloads | null;
}

/**
 * The apps layer's life cycle: loads the apps (GATEHOUSE_APPS_DIR, plus examples/ in the sandbox), starts
 * one process each (in the sandbox this host offers) before the hub is ready, and stops them with it. Decorates `appRegistry`,
 * `appDirectory` (what the token routes ask about apps), `invocations` (the capabilities of running
 * views) and `appReloads` (gatehouse dev's notices); the routes are appRoutes.ts, viewRoutes.ts,
 * runtimeRoutes.ts and appReloads.ts.
 */
export const appsPlugin = fp<AppsPluginOptions>(
  async (app, options) => {
    const log = app.log.child({ module: "apps" });
    const discovery = discoverApps(app.config.appsDirs);
    for (const failure of discovery.failures) {
      log.error({ dir: failure.dir, reason: failure.message }, "app not loaded");
    }
    const sandbox = await detectSandbox(app.config.appSandbox, app.config.appUidBase);
    if (discovery.apps.length > 0) logSandboxStatus(sandbox, log);
    const registry = new AppRegistry(discovery, {
      settings: runtimeSettingsFor(app.config, sandbox),
      viewTimeoutMs: viewTimeoutFromEnv(),
      logger: log,
    });
    const capabilities = new CapabilityStore(app.store.db, app.now);
    app.decorate("appRegistry", registry);
    // With no apps directory at all the hub keeps its default (an app is known when an integration names it).
    app.decorate("appDirectory", discovery.searchedDirs.length > 0 ? registry : options.directory);
    app.decorate("invocations", new Invocations(capabilities));
    app.decorate("appReloads", options.reloads);

    await capabilities.pruneExpired();
    const pruner = setInterval(() => {
      capabilities
        .pruneExpired()
        .catch((err: unknown) => log.warn({ err }, "pruning expired capabilities failed"));
    }, PRUNE_INTERVAL_MS);
    pruner.unref();
    app.addHook("onClose", async () => {
      clearInterval(pruner);
      await registry.close();
    });

    await registry.startAll();
    // Whether each app's integrations exist and are assigned is said once, by whoever seeds or starts the
    // hub (`gatehouse start` after the sandbox seed), and live on the apps' pages: not here, before a seed.
    for (const appProcess of registry.list()) {
      const { warnings } = appProcess;
      if (warnings.length > 0) log.warn({ app: appProcess.spec.name, warnings }, "app loaded with warnings");
      else if (appProcess.loadError === null) log.info({ app: appProcess.spec.name }, "app loaded");
    }
  },
  { name: "gatehouse-apps", dependencies: ["gatehouse-core", "gatehouse-vault"] },
);
