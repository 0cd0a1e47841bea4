/**
 * Where an app and the hub disagree about which integrations it uses. An app can use an integration only
 * when both say so: an admin assigned it to the app, and the app's gatehouse.config.toml lists it in
 * `oauth2_integrations`. Either half alone changes nothing visible, so these say which half is missing —
 * on the integration's page, the app's page and in the start log.
 */
import { AppRegistry } from "../../apps/registry.ts";
import type { Integration } from "../../vault/integrationStore.ts";
import { isAssigned } from "../../names.ts";
import type { AppDirectory } from "../context.ts";

/** What the diagnostics need of a loaded app: its name, title and its config's integration list. */
export interface AppConfigView {
  name: string;
  title: string;
  integrations: readonly string[];
}

type IntegrationNames = Pick<Integration, "name" | "apps">;

export interface AppMismatches {
  app: string;
  /** Assigned to the app by name, but its gatehouse.config.toml does not list them. */
  assignedNotListed: string[];
  /** Listed in its config, but not assigned to it. */
  listedNotAssigned: string[];
  /** Listed in its config, but no integration has that name. */
  listedUnknown: string[];
}

/** Every disagreement between `app`'s config and the hub's assignments. */
export function appMismatches(app: AppConfigView, integrations: readonly IntegrationNames[]): AppMismatches {
  const byName = new Map(integrations.map((integration) => [integration.name, integration]));
  const listed = new Set(app.integrations);
  return {
    app: app.name,
    // Assigned to every app ("*") is not a request that this app use it: only assignments by name count.
    assignedNotListed: integrations
      .filter((integration) => integration.apps.includes(app.name) && !listed.has(integration.name))
      .map((integration) => integration.name),
    listedNotAssigned: app.integrations.filter((name) => {
      const integration = byName.get(name);
      return integration !== undefined && !isAssigned(integration, app.name);
    }),
    listedUnknown: app.integrations.filter((name) => !byName.has(name)),
  };
}

export function hasMismatches(mismatches: AppMismatches): boolean {
  const { assignedNotListed, listedNotAssigned, listedUnknown } = mismatches;
  return assignedNotListed.length + listedNotAssigned.length + listedUnknown.length > 0;
}

const CONFIG = "gatehouse.config.toml";

/** The mismatches as sentences that say what to change (the app page shows them, the start log prints them). */
export function mismatchSentences(mismatches: AppMismatches): string[] {
  const { app } = mismatches;
  return [
    ...mismatches.assignedNotListed.map(
      (name) =>
        `${name} is assigned to ${app}, but ${app}'s ${CONFIG} does not list it in oauth2_integrations, so the app cannot use it: add it there and restart the hub.`,
    ),
    ...mismatches.listedNotAssigned.map(
      (name) =>
        `${app}'s ${CONFIG} lists ${name}, but the integration is not assigned to ${app}: an admin adds ${app} under Integrations → ${name} → Apps that may use it.`,
    ),
    ...mismatches.listedUnknown.map(
      (name) =>
        `${app}'s ${CONFIG} lists ${name}, but no integration of that name exists on this hub: an admin creates it, or the config names another.`,
    ),
  ];
}

/** One app as an integration's page lists it: assigned and/or listing the integration, and what is wrong. */
export type { IntegrationAppLink } from "../../api/integrations.ts";
import type { IntegrationAppLink } from "../../api/integrations.ts";

/**
 * The apps an integration is assigned to (by name), plus the loaded apps whose config lists it without an
 * assignment, each with whether it can use the integration and, if not, why.
 */
export function integrationAppLinks(
  integration: IntegrationNames,
  apps: readonly AppConfigView[],
): IntegrationAppLink[] {
  const byName = new Map(apps.map((app) => [app.name, app]));
  const links: IntegrationAppLink[] = [];
  const name = integration.name;
  for (const appName of integration.apps) {
    if (appName === "*") continue;
    const app = byName.get(appName);
    const listed = app?.integrations.includes(name) ?? false;
    links.push({
      app: appName,
      title: app?.title ?? null,
      loaded: app !== undefined,
      assigned: "name",
      listed,
      problem: !app
        ? `No app named ${appName} is loaded on this hub.`
        : listed
          ? null
          : `${appName}'s ${CONFIG} does not list ${name} in oauth2_integrations: the app cannot use it until it does.`,
    });
  }
  const everyApp = integration.apps.includes("*");
  for (const app of apps) {
    if (integration.apps.includes(app.name) || !app.integrations.includes(name)) continue;
    links.push({
      app: app.name,
      title: app.title,
      loaded: true,
      assigned: everyApp ? "all" : null,
      listed: true,
      problem: everyApp
        ? null
        : `${app.name}'s ${CONFIG} lists ${name}, but it is not assigned to ${app.name}: tick it under Apps that may use it.`,
    });
  }
  return links.sort((a, b) => a.app.localeCompare(b.app));
}

/** The loaded apps' configs, or null when this hub has no apps layer (no app directory). */
export function loadedApps(directory: AppDirectory | null): AppConfigView[] | null {
  if (!(directory instanceof AppRegistry)) return null;
  return directory.list().map(({ spec }) => ({
    name: spec.name,
    title: spec.title,
    integrations: spec.integrations,
  }));
}
