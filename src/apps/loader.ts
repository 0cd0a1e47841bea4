import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { hasAppConfig, readAppConfig, type AppSpec } from "./config.ts";

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
 * every subdirectory with a gatehouse.config.toml (or a VIKTOR app's viktor.config.toml), and the directory
 * itself when it has one. A bad config
 * is a failure for that directory only. A name claimed by two or more directories loads none of them: the
 * name is what integrations are assigned to, so no directory may win it by sort order.
 */
export function discoverApps(appsDirs: readonly string[]): AppDiscovery {
  const failures: AppLoadFailure[] = [];
  const searchedDirs: string[] = [];
  const claims = new Map<string, AppSpec[]>();
  for (const root of appsDirs.map((dir) => resolve(dir))) {
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    searchedDirs.push(root);
    for (const dir of candidateDirs(root)) {
      try {
        const spec = readAppConfig(dir);
        claims.set(spec.name, [...(claims.get(spec.name) ?? []), spec]);
      } catch (err) {
        failures.push({ dir, message: (err as Error).message });
      }
    }
  }
  const apps: AppSpec[] = [];
  for (const [name, specs] of claims) {
    if (specs.length === 1) {
      apps.push(specs[0]!);
      continue;
    }
    for (const spec of specs) {
      const others = specs.filter((other) => other !== spec).map((other) => other.dir);
      failures.push({
        dir: spec.dir,
        message: `${spec.configPath}: key "name": "${name}" is also claimed by ${others.join(", ")}; none of them loads until the name is unique`,
      });
    }
  }
  return { apps, failures, searchedDirs };
}

/** `root` itself when it is an app, else its subdirectories that hold an app config, sorted. */
function candidateDirs(root: string): string[] {
  if (hasAppConfig(root)) return [root];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules")
    .map((entry) => join(root, entry.name))
    .filter((dir) => hasAppConfig(dir))
    .sort();
}
