import { apiHostMap } from "../../apps/hostMap.ts";
import type { AppRegistry } from "../../apps/registry.ts";
import type { AppManifest } from "../../sdk/app.ts";
import { validateParams, type Field } from "../../sdk/fields.ts";
import type { ViewResultJSON } from "../../sdk/results.ts";
import type { HubConfig } from "../../config/index.ts";
import { GatehouseError } from "../../errors.ts";
import { appNotFound } from "./appRoutes.ts";
import type { Invocations } from "./invocations.ts";
import { httpErrors } from "../http/problem.ts";

function parametrizationRecord(manifest: AppManifest): Record<string, Field> {
  const record: Record<string, Field> = {};
  for (const { name, ...field } of manifest.parametrization) record[name] = field;
  return record;
}

export interface ViewRunnerOptions {
  registry: AppRegistry;
  invocations: Invocations;
  /** Read per invocation: tests set the sandbox and emulator ports after the hub started. */
  config: Pick<HubConfig, "sandbox" | "emulatorPorts">;
  /** The hub's own address for app processes. */
  hubUrl: () => string;
}

/**
 * Runs one view for one user: the app started, the view known, the params checked against its
 * parametrization, then invoked with a capability that is valid only while this invocation runs. Throws the
 * app's ViewErrors as they are (the caller sends them as problem details), and GatehouseErrors for refusals.
 */
export class ViewRunner {
  constructor(private readonly options: ViewRunnerOptions) {}

  async run(
    app: string,
    view: string,
    params: Record<string, unknown>,
    userId: string,
  ): Promise<ViewResultJSON> {
    const { registry, invocations, config } = this.options;
    const appProcess = registry.get(app);
    if (!appProcess) throw appNotFound(app);
    const manifest = await appProcess.start();
    if (!manifest.views.some((v) => v.name === view)) {
      throw new GatehouseError("view_not_found", `The app ${app} has no view "${view}"`, { app, view });
    }
    const checked = validateParams(parametrizationRecord(manifest), params);
    if (!checked.ok) throw httpErrors.validation(checked.errors);

    const timeoutMs = registry.viewTimeoutMs;
    const invocation = await invocations.begin(app, userId, timeoutMs);
    try {
      return await appProcess.invoke(
        view,
        checked.params,
        { hubUrl: this.options.hubUrl(), capability: invocation.capability, hostMap: apiHostMap(config) },
        timeoutMs,
      );
    } finally {
      await invocations.end(invocation.id);
    }
  }
}
