import type { DataResultJSON } from "../../src/sdk/results.ts";
import type { HubClient, TestHub } from "./hub.ts";

/**
 * Points the SDK's host mapping at this test hub's emulators: they bound port 0, so the ports are known only
 * after start (the apps layer reads `config.emulatorPorts` per invocation, in sandbox mode).
 */
export function useEmulatorHostMap(t: TestHub): void {
  if (!t.emulators) throw new Error("this test hub has no emulators");
  const port = (url: string) => Number(new URL(url).port);
  t.hub.services.config.sandbox = true;
  t.hub.services.config.emulatorPorts = [
    port(t.emulators.bentley.url),
    port(t.emulators.autodesk.url),
    port(t.emulators.seequent.url),
  ];
}

/** Runs `view` of `app` as `client` through the hub's views API. */
export const runView = (client: HubClient, app: string, view: string, params: Record<string, unknown> = {}) =>
  client.post<DataResultJSON & { code?: string; detail?: string }>(`/api/apps/${app}/views/${view}`, {
    params,
  });

/** A data result's first group as label → value. */
export const valuesOf = (body: DataResultJSON) =>
  Object.fromEntries(body.groups[0]!.items.map((item) => [item.label, item.value]));
