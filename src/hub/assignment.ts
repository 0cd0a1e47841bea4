import { GatehouseError } from "../errors.ts";
import type { Integration } from "../vault/integrationStore.ts";
import type { AppDirectory } from "./context.ts";
import { INTEGRATION_NAME, isAssigned } from "../names.ts";

const notAssigned = (integration: string, app: string, why: string) =>
  new GatehouseError(
    "integration_not_assigned",
    `${integration} is not available to the app ${app}: ${why}`,
    403,
    {
      integration,
      app,
    },
  );

/**
 * Throws 403 `integration_not_assigned` unless `app` may use `integration`: the integration is assigned to it
 * (or to "*"), and, when the apps layer is present, the app is loaded and its config lists the integration.
 * Without an apps layer an app is known when an integration names it.
 */
export function checkAssignment(apps: AppDirectory | null, integration: Integration, app: string): void {
  if (!INTEGRATION_NAME.test(app)) throw notAssigned(integration.name, app, "that is not an app name");
  if (!isAssigned(integration, app)) {
    throw notAssigned(integration.name, app, "the integration is not assigned to it");
  }
  const listed = apps?.integrationsOf(app);
  if (listed === null) throw notAssigned(integration.name, app, "no such app is loaded");
  if (listed && !listed.includes(integration.name)) {
    throw notAssigned(integration.name, app, "the app's config does not list it in oauth2_integrations");
  }
}
