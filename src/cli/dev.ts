/**
 * `gatehouse dev [appDir]`: the sandbox hub (emulators, demo users, the sandbox integrations) serving one
 * app (TypeScript or Python), for app developers. The integrations the app's config lists are assigned to
 * it, so it can connect at once. A saved change to the app's files restarts that app's process (a fresh
 * bundle, or a fresh interpreter), not the hub: fs.watch on the app directory, debounced. The hub's data
 * lives outside the app directory (the app process may read its own directory), in `<config dir>/dev/<app>`
 * unless GATEHOUSE_DATA_DIR says otherwise.
 */
import { watch, type FSWatcher } from "node:fs";
import { join, resolve } from "node:path";
import { APP_CONFIG_FILES, readAppConfig, type AppSpec } from "../apps/config.ts";
import { isInside } from "../apps/paths.ts";
import { AppRegistry } from "../apps/registry.ts";
import type { HubConfig } from "../config/index.ts";
import type { Emulators } from "../emulators/index.ts";
import { AppReloads } from "../hub/apps/appReloads.ts";
import { buildHub, type Hub } from "../hub/server.ts";
import { isAssigned } from "../names.ts";
import { seedSandbox } from "../sandbox/seed.ts";
import { CliError } from "./cliError.ts";
import { hubConfig } from "./hubConfig.ts";
import { describeStart, emulatorUrls, reportAppMismatches, startSandboxEmulators } from "./start.ts";
import { configDir } from "./tokenCache.ts";
import { stopSignal } from "./stopSignal.ts";

export interface DevIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export interface DevOptions {
  /** Resolves when dev should stop (default: the first SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  /** Quiet period after the last change before the app restarts. */
  debounceMs?: number;
}

// Dependencies, build output, Python's bytecode, dot files and editors' swap and backup files.
const IGNORED =
  /(^|[/\\])(node_modules|\.git|dist|\.gatehouse|__pycache__)([/\\]|$)|(^|[/\\])\.[^/\\]*$|~$|\.sw[px]$|\.py[co]$/;

function readSpec(appDir: string): AppSpec {
  try {
    return readAppConfig(appDir);
  } catch (err) {
    throw new CliError(
      `${appDir} is not a Gatehouse app (${(err as Error).message}); create one with gatehouse new <dir>`,
    );
  }
}

/** Assigns the integrations the app lists (that exist on the hub) to the app, keeping other assignments. */
async function assignIntegrations(hub: Hub, spec: AppSpec): Promise<string[]> {
  const assigned: string[] = [];
  for (const name of spec.integrations) {
    const integration = await hub.services.integrations.get(name);
    if (!integration) continue;
    if (!isAssigned(integration, spec.name)) {
      await hub.services.integrations.update(name, { apps: [...integration.apps, spec.name] });
    }
    assigned.push(name);
  }
  return assigned;
}

/**
 * Watches `dir` and calls `onChange` once things have been quiet for `debounceMs`; changes to ignored
 * paths (dot files, node_modules, editor swap files) do not count.
 */
function watchDebounced(dir: string, debounceMs: number, onChange: (files: string[]) => void): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const watcher = watch(dir, { recursive: true }, (_event, filename) => {
    const file = filename ? filename.toString() : "";
    if (file && IGNORED.test(file)) return;
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed];
      changed.clear();
      onChange(files);
    }, debounceMs);
  });
  watcher.on("close", () => clearTimeout(timer));
  return watcher;
}

export async function dev(
  appDirArg: string | undefined,
  io: DevIo,
  options: DevOptions = {},
): Promise<number> {
  const appDir = resolve(appDirArg ?? ".");
  const spec = readSpec(appDir);
  const config: HubConfig = hubConfig({
    ...io.env,
    GATEHOUSE_SANDBOX: "true",
    GATEHOUSE_APPS_DIR: appDir,
    GATEHOUSE_DATA_DIR: io.env.GATEHOUSE_DATA_DIR || join(configDir(io.env), "dev", spec.name),
  });
  if (isInside(appDir, config.dataDir)) {
    throw new CliError(
      "GATEHOUSE_DATA_DIR must be outside the app directory (the app process may read its own directory, so the database must not be there)",
    );
  }

  let emulators: Emulators | null = null;
  let hub: Hub | null = null;
  let watcher: FSWatcher | null = null;
  try {
    emulators = await startSandboxEmulators(config);
    const reloads = new AppReloads();
    hub = await buildHub(config, { skipAdminBootstrap: true, appReloads: reloads });
    const seed = await seedSandbox(hub.services, emulatorUrls(emulators), {
      email: config.adminEmail,
      password: config.adminPassword,
    });
    const assigned = await assignIntegrations(hub, spec);
    const registry = hub.services.apps;
    if (!(registry instanceof AppRegistry) || !registry.get(spec.name)) {
      throw new CliError(`the hub did not load the app ${spec.name} from ${appDir}`);
    }
    const app = registry.get(spec.name)!;
    // Listen once seeded and assigned, so the first request sees the app's integrations.
    const appProblems = await reportAppMismatches(hub);
    const url = await hub.listen();
    io.out.write(describeStart(config, url, emulators, seed, appProblems));
    io.out.write(
      `Developing ${spec.name} (${appDir})${assigned.length ? `, integrations: ${assigned.join(", ")}` : ""}.\n` +
        `  Open ${config.publicUrl}/apps/${spec.name}; saving a file reloads the app and the open page. Ctrl-C stops.\n`,
    );
    if (app.loadError) io.err.write(`gatehouse dev: ${spec.name} failed to load: ${app.loadError}\n`);

    let reloading = Promise.resolve();
    watcher = watchDebounced(appDir, options.debounceMs ?? 150, (files) => {
      const config = APP_CONFIG_FILES.find((file) => files.includes(file));
      if (config) {
        io.err.write(
          `gatehouse dev: ${config} changed; the app reloads, but a new name, entry or integration list needs a restart of gatehouse dev.\n`,
        );
      }
      // Reloads run one after another; one that fails is said and leaves the chain usable for the next save
      // (and the stop, which waits for the last one).
      reloading = reloading
        .then(async () => {
          const started = Date.now();
          await registry.restart(spec.name);
          reloads.notify({ app: spec.name, at: Date.now(), error: app.loadError });
          io.err.write(
            app.loadError
              ? `gatehouse dev: ${spec.name} failed to load: ${app.loadError}\n`
              : `gatehouse dev: reloaded ${spec.name} in ${Date.now() - started} ms\n`,
          );
        })
        .catch((err: unknown) => {
          io.err.write(
            `gatehouse dev: reloading ${spec.name} failed: ${(err as Error).message ?? String(err)}\n`,
          );
        });
    });

    await (options.until ?? stopSignal());
    await reloading;
    return 0;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`could not start: ${(err as Error).message}`);
  } finally {
    watcher?.close();
    await hub?.close();
    await emulators?.close();
  }
}
