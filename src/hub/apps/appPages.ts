import type { AppSummary, IntegrationState } from "../../api/apps.ts";
import type { AppProcess } from "../../apps/runtime.ts";
import { isAssigned } from "../../names.ts";
import type { ConnectionSummary } from "../../vault/connectionStore.ts";
import type { Integration } from "../../vault/integrationStore.ts";
import { loginPath } from "../connect/connectFlow.ts";
import { appMismatches, mismatchSentences } from "../integrations/diagnostics.ts";

export type { IntegrationState } from "../../api/apps.ts";

/** The state of each integration `appProcess` lists, for the user whose `connections` these are. */
export function integrationStates(
  appProcess: AppProcess,
  integrations: readonly Integration[],
  connections: readonly ConnectionSummary[],
): IntegrationState[] {
  const byName = new Map(integrations.map((i) => [i.name, i]));
  const connectionOf = new Map(connections.map((c) => [c.integration, c]));
  const app = appProcess.spec.name;
  return appProcess.spec.integrations.map((name) => {
    const integration = byName.get(name);
    if (!integration) {
      return {
        name,
        connected: false,
        status: "unavailable",
        grantType: null,
        displayName: null,
        loginUrl: null,
        problem: "not_found",
      };
    }
    const base = {
      name,
      grantType: integration.grantType,
      displayName: integration.description || integration.name,
    };
    if (!isAssigned(integration, app)) {
      return { ...base, connected: false, status: "unavailable", loginUrl: null, problem: "not_assigned" };
    }
    if (integration.grantType === "client_credentials") {
      return { ...base, connected: true, status: "service", loginUrl: null, problem: null };
    }
    const connection = connectionOf.get(name);
    const status = connection?.status ?? "not_connected";
    return {
      ...base,
      connected: status === "connected",
      status,
      loginUrl: loginPath(name, app),
      problem: null,
    };
  });
}

/** An app as the apps list and its page show it: state, load error, warnings, integrations. */
export function appSummary(
  appProcess: AppProcess,
  integrations: readonly Integration[],
  connections: readonly ConnectionSummary[],
): AppSummary {
  return {
    name: appProcess.spec.name,
    title: appProcess.spec.title,
    description: appProcess.spec.description,
    status: appProcess.loadError === null ? "ready" : "error",
    error: appProcess.loadError,
    warnings: [...appProcess.warnings, ...mismatchSentences(appMismatches(appProcess.spec, integrations))],
    integrations: integrationStates(appProcess, integrations, connections),
  };
}
