/**
 * app_start_ms: how long one app process takes to start, sandboxed and not, in the same run: preparing it
 * (checking its directory for links and bundling it, in the sandbox where there is one) apart from the
 * process itself (from launch to the worker's `ready`). bench-noop (or its Python twin, bench-noop-py)
 * restarted `rounds` times on each of two hubs (GATEHOUSE_APP_SANDBOX=auto and =off); medians.
 *
 *   node bin/run-ts.mjs bench/app-start.ts [--rounds 7] [--app bench-noop-py]
 */
import { resolve } from "node:path";
import type { AppRegistry } from "../src/apps/registry.ts";
import type { SandboxSetting } from "../src/apps/sandbox/settings.ts";
import { startTestHub } from "../test/helpers/hub.ts";

export interface AppStartTimes {
  /** Median ms: directory checked and app bundled. */
  prepareMs: number;
  /** Median ms: launch to ready. */
  processMs: number;
  samples: { prepareMs: number; processMs: number }[];
  sandboxActive: boolean;
}

/** The app of each language that calls no provider (bench/apps): a TypeScript one, and its Python twin. */
export const START_APPS = { typescript: "bench-noop", python: "bench-noop-py" } as const;

async function measure(appSandbox: SandboxSetting, rounds: number, app: string): Promise<AppStartTimes> {
  const t = await startTestHub({
    emulators: false,
    config: { appsDirs: [resolve(import.meta.dirname, "apps")], logLevel: "warn", appSandbox },
  });
  try {
    const registry = t.hub.services.apps as AppRegistry;
    const samples: AppStartTimes["samples"] = [];
    for (let i = 0; i < rounds; i++) {
      await registry.restart(app);
      const timings = registry.get(app)!.timings;
      if (!timings) throw new Error(`${app} did not start: ${registry.get(app)!.loadError}`);
      samples.push({ prepareMs: Math.round(timings.prepareMs), processMs: Math.round(timings.processMs) });
    }
    const median = (key: "prepareMs" | "processMs") =>
      [...samples.map((s) => s[key])].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
    return {
      prepareMs: median("prepareMs"),
      processMs: median("processMs"),
      samples,
      sandboxActive: registry.runtimeSettings.sandbox.active,
    };
  } finally {
    await t.close();
  }
}

export async function runAppStart(options: { rounds?: number; app?: string } = {}) {
  const rounds = options.rounds ?? 7;
  const app = options.app ?? START_APPS.typescript;
  return { sandboxed: await measure("auto", rounds, app), unsandboxed: await measure("off", rounds, app) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const index = process.argv.indexOf(`--${name}`);
    return index > 0 ? process.argv[index + 1] : undefined;
  };
  const rounds = arg("rounds");
  console.log(
    JSON.stringify(
      await runAppStart({ rounds: rounds ? Number(rounds) : undefined, app: arg("app") }),
      null,
      2,
    ),
  );
}
