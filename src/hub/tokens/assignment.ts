import { errors } from "../../errors.ts";
import { INTEGRATION_NAME, isAssigned } from "../../names.ts";
import type { Integration } from "../../vault/integrationStore.ts";
import type { AppDirectory } from "../context.ts";

/**
 * Throws 403 `integration_not_assigned` unless `app` may use `integration`: the integration is assigned to it
 * (or to "*"), and, when the apps layer is present, the app is loaded and its config lists the integration.
 * Without an apps layer an app is known when an integration names it.
 */
export function checkAssignment(apps: AppDirectory | null, integration: Integration, app: string): void {
  const why = refusal(apps, integration, app);
  if (why !== null) throw errors.integrationNotAssigned(integration.name, app, why);
}

/** True when `app` may use `integration` (checkAssignment would not throw). */
export function mayUse(apps: AppDirectory | null, integration: Integration, app: string): boolean {
  return refusal(apps, integration, app) === null;
}

/** Why `app` may not use `integration`, or null when it may. (No closure: this runs on every token read.) */
function refusal(apps: AppDirectory | null, integration: Integration, app: string): string | null {
  if (!INTEGRATION_NAME.test(app)) return "that is not an app name";
  if (!isAssigned(integration, app)) return "the integration is not assigned to it";
  const listed = apps?.integrationsOf(app);
  if (listed === null) return "no such app is loaded";
  if (listed && !listed.includes(integration.name)) {
    return "the app's gatehouse.config.toml does not list it in oauth2_integrations";
  }
  return null;
}
