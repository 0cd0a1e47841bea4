import type { AppSpec } from "./config.ts";
import type { AppDiscovery, AppLoadFailure } from "./loader.ts";
import {
  AppProcess,
  DEFAULT_VIEW_TIMEOUT_MS,
  type AppRuntimeSettings,
  type RuntimeLogger,
} from "./runtime.ts";

export interface AppRegistryOptions {
  /** The sandbox and the limits every app process of this hub runs with. */
  settings: AppRuntimeSettings;
  viewTimeoutMs?: number;
  startTimeoutMs?: number;
  logger?: RuntimeLogger;
}

/**
 * The loaded apps: their specs and their processes. Answers the hub's AppDirectory question (which
 * integrations an app's config lists) for the token API and the runtime token route.
 */
export class AppRegistry {
  private readonly processes = new Map<string, AppProcess>();
  readonly failures: readonly AppLoadFailure[];
  private timeoutMs: number;
  private settings: AppRuntimeSettings;

  constructor(
    discovery: AppDiscovery,
    private readonly options: AppRegistryOptions,
  ) {
    this.failures = discovery.failures;
    this.timeoutMs = options.viewTimeoutMs ?? DEFAULT_VIEW_TIMEOUT_MS;
    this.settings = options.settings;
    // An app's place in name order is its uid under a root hub: stable while the set of apps is.
    const specs = [...discovery.apps].sort((a, b) => a.name.localeCompare(b.name));
    specs.forEach((spec, index) => this.processes.set(spec.name, this.newProcess(spec, index)));
  }

  private newProcess(spec: AppSpec, index: number): AppProcess {
    return new AppProcess(spec, {
      index,
      settings: () => this.settings,
      viewTimeoutMs: this.timeoutMs,
      startTimeoutMs: this.options.startTimeoutMs,
      logger: this.options.logger,
    });
  }

  /** The sandbox and limits app processes run with. */
  get runtimeSettings(): Readonly<AppRuntimeSettings> {
    return this.settings;
  }

  /**
   * Changes settings for processes started from now on (tests: Node's permission model off, to try the
   * sandbox alone; a small heap). Restart an app to apply them to it.
   */
  setRuntimeSettings(patch: Partial<Omit<AppRuntimeSettings, "sandbox">>): void {
    this.settings = { ...this.settings, ...patch };
  }

  /** Null when no such app is loaded; else the integrations its config lists (AppDirectory). */
  integrationsOf(app: string): readonly string[] | null {
    return this.processes.get(app)?.spec.integrations ?? null;
  }

  /** Whether `app` is loaded and its gatehouse.config.toml lists `integration`. */
  listsIntegration(app: string, integration: string): boolean {
    return this.integrationsOf(app)?.includes(integration) ?? false;
  }

  get(app: string): AppProcess | undefined {
    return this.processes.get(app);
  }

  list(): AppProcess[] {
    return [...this.processes.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }

  get viewTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** Changes the view timeout for later invocations (operators: GATEHOUSE_VIEW_TIMEOUT_SECONDS; tests). */
  setViewTimeout(ms: number): void {
    this.timeoutMs = ms;
  }

  /** Starts every app process; a failure is recorded on that app and does not stop the others. */
  async startAll(): Promise<void> {
    await Promise.allSettled(this.list().map((appProcess) => appProcess.start()));
  }

  /** Restarts one app from its files (re-bundled); resolves with its load outcome. */
  async restart(app: string): Promise<void> {
    const appProcess = this.processes.get(app);
    if (!appProcess) return;
    await appProcess.stop();
    await appProcess.start().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.list().map((appProcess) => appProcess.close()));
  }
}
