import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { APP_CONFIG_FILE, readAppConfig, type AppSpec } from "./config.ts";

/** A directory that looked like an app but could not be used; the others load regardless. */
export interface AppLoadFailure {
  dir: string;
  message: string;
}

export interface AppDiscovery {
  apps: AppSpec[];
  failures: AppLoadFailure[];
  /** The apps directories that exist (a missing one is not an error: it just holds no apps). */
  searchedDirs: string[];
}

/**
 * Finds the apps under each directory of `appsDirs` (GATEHOUSE_APPS_DIR, plus examples/ in the sandbox):
 * every subdirectory with a gatehouse.config.toml, and the directory itself when it has one. A bad config
 * or a second app of the same name is a failure for that directory only.
 */
export function discoverApps(appsDirs: readonly string[]): AppDiscovery {
  const apps: AppSpec[] = [];
  const failures: AppLoadFailure[] = [];
  const searchedDirs: string[] = [];
  const byName = new Map<string, AppSpec>();
  for (const root of appsDirs.map((dir) => resolve(dir))) {
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    searchedDirs.push(root);
    const candidates = existsSync(join(root, APP_CONFIG_FILE))
      ? [root]
      : readdirSync(root, { withFileTypes: true })
          .filter(
            (entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules",
          )
          .map((entry) => join(root, entry.name))
          .filter((dir) => existsSync(join(dir, APP_CONFIG_FILE)))
          .sort();
    for (const dir of candidates) {
      try {
        const spec = readAppConfig(dir);
        const clash = byName.get(spec.name);
        if (clash) {
          failures.push({
            dir,
            message: `${spec.configPath}: key "name": "${spec.name}" is already used by ${clash.dir}`,
          });
          continue;
        }
        byName.set(spec.name, spec);
        apps.push(spec);
      } catch (err) {
        failures.push({ dir, message: (err as Error).message });
      }
    }
  }
  return { apps, failures, searchedDirs };
}
