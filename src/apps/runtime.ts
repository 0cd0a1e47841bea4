/**
 * One app's process: prepared by its language's worker (src/apps/workers/), started in the sandbox
 * (src/apps/sandbox/) with the channel on fd 3 (src/apps/connection.ts), its output in the hub's log within a
 * budget (src/apps/appLog.ts), its results checked again by the hub (src/apps/resultLimits.ts). A view that
 * throws fails alone; a process that exits, breaks the protocol or outlives a view's timeout is stopped,
 * its views fail, and the next call starts a fresh one.
 */
import { randomUUID } from "node:crypto";
import type { AppManifest, ViewKind } from "../sdk/app.ts";
import type { ParamValue } from "../sdk/fields.ts";
import type { ViewResultJSON } from "../sdk/results.ts";
import { AppOutput, DEFAULT_APP_LOG_LIMITS, LogBudget } from "./appLog.ts";
import { startAppChild, type RunningApp } from "./appChild.ts";
import { AppDirError, checkAppDirectory } from "./appDir.ts";
import { ChannelError } from "./channel.ts";
import type { AppSpec } from "./config.ts";
import type { InvokeMessage, ResultMessage } from "./protocol.ts";
import { checkResult } from "./resultLimits.ts";
import { appIdentity } from "./sandbox/identity.ts";
import type { AppRuntimeSettings, RuntimeLogger } from "./settings.ts";
import { fromAppError, ViewError } from "./viewErrors.ts";
import { workerFor, type PreparedApp } from "./workers/index.ts";

export { ViewError } from "./viewErrors.ts";
export type { AppRuntimeSettings, RuntimeLogger } from "./settings.ts";

export const DEFAULT_VIEW_TIMEOUT_MS = 60_000;
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** After a failed start, calls fail fast for this long instead of starting the process again each time. */
const RESTART_BACKOFF_MS = 2_000;
const MAX_IN_FLIGHT = 64;
/** How long a stopping process may take to exit after `shutdown` before it is killed. */
const STOP_GRACE_MS = 2_000;

export interface AppProcessOptions {
  /** The app's place among the loaded apps: its uid under a root hub. */
  index: number;
  /** Read at each start, so that a change (tests) applies from the next process on. */
  settings: () => AppRuntimeSettings;
  viewTimeoutMs?: number;
  startTimeoutMs?: number;
  logger?: RuntimeLogger;
}

export interface Invocation {
  hubUrl: string;
  capability: string;
  hostMap: Record<string, string>;
}

interface Pending {
  resolve(result: ViewResultJSON): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  view: string;
  kind: ViewKind;
  running: RunningApp;
}

type State =
  | { kind: "stopped" }
  | { kind: "starting"; attempt: object; running: RunningApp | null; ready: Promise<AppManifest> }
  | { kind: "ready"; running: RunningApp; manifest: AppManifest }
  | { kind: "failed"; message: string; at: number };

const stoppedWhileStarting = (app: string) =>
  new ViewError("app_unavailable", `The app ${app} was stopped while starting`);

export class AppProcess {
  private state: State = { kind: "stopped" };
  private readonly pending = new Map<string, Pending>();
  private lastManifest: AppManifest | null = null;
  private startWarnings: string[] = [];
  private closed = false;
  private readonly logBudget = new LogBudget(DEFAULT_APP_LOG_LIMITS, Date.now);
  /** How long the last successful start took: preparing (bundling) and the process itself, in ms. */
  timings: { prepareMs: number; processMs: number } | null = null;
  readonly viewTimeoutMs: number;

  constructor(
    readonly spec: AppSpec,
    private readonly options: AppProcessOptions,
  ) {
    this.viewTimeoutMs = options.viewTimeoutMs ?? DEFAULT_VIEW_TIMEOUT_MS;
  }

  /** The manifest of the last successful start, or null. */
  get manifest(): AppManifest | null {
    return this.lastManifest;
  }

  /** What the app's page says about it: its config's warnings, and its worker's at the last start. */
  get warnings(): string[] {
    return [...this.spec.configWarnings, ...this.startWarnings];
  }

  /** The load error of the last start, or null when the app loaded (or has not been started). */
  get loadError(): string | null {
    return this.state.kind === "failed" ? this.state.message : null;
  }

  /** The host pid of the process (the sandbox's outermost one), while there is one. */
  get pid(): number | null {
    const running = this.state.kind === "ready" || this.state.kind === "starting" ? this.state.running : null;
    return running?.child.pid ?? null;
  }

  /** Starts the process if needed and resolves with the app's manifest; rejects with app_load_failed. */
  async start(): Promise<AppManifest> {
    if (this.closed) throw new ViewError("app_unavailable", `The app ${this.spec.name} is shutting down`);
    switch (this.state.kind) {
      case "ready":
        return this.state.manifest;
      case "starting":
        return this.state.ready;
      case "failed":
        if (Date.now() - this.state.at < RESTART_BACKOFF_MS) {
          throw new ViewError(
            "app_load_failed",
            `The app ${this.spec.name} failed to load: ${this.state.message}`,
          );
        }
        break;
      case "stopped":
        break;
    }
    // The state is "starting" before any of the start runs: a failure found at once must be recorded.
    const starting: Extract<State, { kind: "starting" }> = {
      kind: "starting",
      attempt: {},
      running: null,
      ready: Promise.resolve(null as never),
    };
    this.state = starting;
    starting.ready = this.startProcess(starting.attempt);
    return starting.ready;
  }

  private isCurrent(attempt: object): boolean {
    return this.state.kind === "starting" && this.state.attempt === attempt;
  }

  private loadFailed(attempt: object, message: string): ViewError {
    if (this.isCurrent(attempt)) {
      this.state = { kind: "failed", message, at: Date.now() };
      this.options.logger?.error({ app: this.spec.name, reason: message }, "app failed to load");
    }
    return new ViewError("app_load_failed", `The app ${this.spec.name} failed to load: ${message}`);
  }

  /** Everything before the process: the sandbox's verdict, the directory's links, the worker's preparation. */
  private async prepare(attempt: object): Promise<{ prepared: PreparedApp; appDir: string }> {
    const settings = this.options.settings();
    const { sandbox } = settings;
    if (sandbox.setting === "required" && !sandbox.active) {
      throw this.loadFailed(
        attempt,
        `GATEHOUSE_APP_SANDBOX=required, but apps cannot be sandboxed on this host: ${sandbox.reason}`,
      );
    }
    const worker = workerFor(this.spec);
    if (!worker) throw this.loadFailed(attempt, `no worker runs ${this.spec.entryPath}`);
    let appDir: string;
    try {
      appDir = checkAppDirectory(this.spec.dir, settings.hubDataDir ? [settings.hubDataDir] : []);
    } catch (err) {
      throw this.loadFailed(attempt, err instanceof AppDirError ? err.message : String(err));
    }
    try {
      const prepared = await worker.prepare(this.spec, {
        sandbox,
        identity: appIdentity(settings.uidBase, this.options.index),
        appDir,
        heapMb: settings.heapMb,
        languagePermissions: settings.languagePermissions,
        python: settings.python,
        hubDataDir: settings.hubDataDir,
      });
      this.startWarnings = prepared.warnings ?? [];
      return { prepared, appDir };
    } catch (err) {
      throw this.loadFailed(attempt, err instanceof Error ? err.message : String(err));
    }
  }

  private async startProcess(attempt: object): Promise<AppManifest> {
    const startedAt = performance.now();
    const { prepared, appDir } = await this.prepare(attempt);
    const preparedAt = performance.now();
    if (!this.isCurrent(attempt)) {
      prepared.dispose();
      throw stoppedWhileStarting(this.spec.name);
    }
    const settings = this.options.settings();
    const startTimeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    return new Promise<AppManifest>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(`it did not report ready within ${Math.round(startTimeoutMs / 1000)} s`);
        running.child.kill("SIGKILL");
      }, startTimeoutMs);
      const fail = (message: string) => {
        clearTimeout(timer);
        reject(this.loadFailed(attempt, message));
      };
      const running: RunningApp = startAppChild(
        {
          spec: this.spec,
          prepared,
          appDir,
          settings,
          identity: appIdentity(settings.uidBase, this.options.index),
          output: new AppOutput(this.spec.name, this.options.logger, this.logBudget),
        },
        {
          ready: (manifest) => {
            clearTimeout(timer);
            if (this.isCurrent(attempt)) {
              this.state = { kind: "ready", running, manifest };
              this.lastManifest = manifest;
              this.timings = { prepareMs: preparedAt - startedAt, processMs: performance.now() - preparedAt };
              this.options.logger?.info(
                { app: this.spec.name, sandbox: settings.sandbox.mode, ...this.timings },
                "app process ready",
              );
              resolve(manifest);
            } else {
              running.child.kill("SIGKILL");
              reject(stoppedWhileStarting(this.spec.name));
            }
          },
          loadError: (message) => fail(message),
          result: (message, bytes) => this.settle(running, message, bytes),
          violation: (reason) => {
            if (this.isCurrent(attempt)) fail(`it broke the runtime protocol: ${reason}`);
            this.protocolViolation(running, reason);
          },
          error: (err) => fail(`the process could not start: ${err.message}`),
          exit: (how, said) => {
            if (this.isCurrent(attempt)) {
              fail(`the process ended during load (${how})${said ? `: ${said}` : ""}`);
            } else if (this.state.kind !== "ready" || this.state.running !== running) {
              // Stopped before it reported ready (a no-op when the start already settled).
              clearTimeout(timer);
              reject(stoppedWhileStarting(this.spec.name));
            } else {
              this.state = { kind: "stopped" };
              if (!this.closed) {
                this.options.logger?.warn(
                  { app: this.spec.name, how },
                  "app process ended; it restarts on the next call",
                );
              }
            }
            this.failAll(running, running.stoppedBecause ?? how);
          },
        },
      );
      if (this.state.kind === "starting" && this.state.attempt === attempt) this.state.running = running;
    });
  }

  /** The app broke the protocol: said once in the log, and its process is stopped. */
  private protocolViolation(running: RunningApp, reason: string): void {
    this.options.logger?.error(
      { app: this.spec.name, reason },
      "app broke the runtime protocol; stopping its process",
    );
    this.discard(running, `it broke the runtime protocol (${reason})`);
  }

  /** Stops using `running` now (the next call starts a fresh process) and kills it. */
  private discard(running: RunningApp, because: string): void {
    running.stoppedBecause ??= because;
    if ((this.state.kind === "ready" || this.state.kind === "starting") && this.state.running === running) {
      this.state = { kind: "stopped" };
    }
    running.child.kill("SIGKILL");
  }

  /** In-flight invocations of `running` fail when it ends: they can no longer answer. */
  private failAll(running: RunningApp, how: string): void {
    for (const [id, pending] of this.pending) {
      if (pending.running !== running) continue;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(
        new ViewError(
          "app_crashed",
          `The app ${this.spec.name} stopped (${how}) while view "${pending.view}" ran; it restarts on the next call`,
        ),
      );
    }
  }

  private settle(running: RunningApp, message: ResultMessage, bytes: number): void {
    const pending = this.pending.get(message.id);
    if (!pending || pending.running !== running) {
      // Late for a view the hub gave up on: ignored. For one it never sent: the app is making work for the
      // hub (each frame is parsed), which the protocol does not allow.
      if (!running.abandoned.delete(message.id))
        this.protocolViolation(running, "a result for an invocation it was never sent");
      return;
    }
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (!message.ok) {
      pending.reject(fromAppError(message.error));
      return;
    }
    const check = checkResult(message.result, {
      kind: pending.kind,
      maxBytes: this.options.settings().resultMaxBytes,
      receivedBytes: bytes,
    });
    if (check.ok) pending.resolve(check.result);
    else
      pending.reject(
        new ViewError("invalid_result", `View "${pending.view}" answered an invalid result: ${check.reason}`),
      );
  }

  /** Runs one view; rejects with a ViewError (view_timeout, app_crashed, view_failed, or the SDK's codes). */
  async invoke(
    view: string,
    params: Record<string, ParamValue>,
    invocation: Invocation,
    timeoutMs = this.viewTimeoutMs,
  ): Promise<ViewResultJSON> {
    await this.start();
    if (this.state.kind !== "ready")
      throw new ViewError("app_unavailable", `The app ${this.spec.name} is not running`);
    const kind = this.state.manifest.views.find((v) => v.name === view)?.kind;
    if (!kind) throw new ViewError("view_not_found", `The app ${this.spec.name} has no view "${view}"`);
    if (this.pending.size >= MAX_IN_FLIGHT) {
      throw new ViewError(
        "app_busy",
        `The app ${this.spec.name} is running ${MAX_IN_FLIGHT} views already; try again shortly`,
      );
    }
    const running = this.state.running;
    const id = randomUUID();
    return new Promise<ViewResultJSON>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        running.abandoned.add(id);
        reject(
          new ViewError(
            "view_timeout",
            `View "${view}" of ${this.spec.name} did not finish within ${Math.round(timeoutMs / 1000)} s; the app process was restarted`,
          ),
        );
        // A view that never returns may be spinning: only a fresh process is sure to be healthy.
        this.options.logger?.warn({ app: this.spec.name, view }, "view timed out; killing the app process");
        this.discard(running, `view "${view}" timed out`);
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, view, kind, running });
      const message: InvokeMessage = { type: "invoke", id, view, params, ...invocation };
      try {
        running.connection.send(message);
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        if (!(err instanceof ChannelError)) throw err;
        reject(
          new ViewError("params_too_large", `The view's parameters are too large to send: ${err.reason}`),
        );
      }
    });
  }

  /** Stops the process; pending invocations fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /**
   * Stops the current process (if any); the next call prepares the app again (a fresh bundle) and starts a
   * fresh one. For reloading an app whose files changed (`gatehouse dev`).
   */
  async stop(): Promise<void> {
    const running = this.state.kind === "ready" || this.state.kind === "starting" ? this.state.running : null;
    this.state = { kind: "stopped" };
    if (!running) return;
    const { child } = running;
    if (child.exitCode !== null || child.signalCode !== null) return;
    running.stoppedBecause ??= "the hub stopped it";
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      running.connection.shutdown();
    });
  }
}

export { randomUUID as newInvocationId };
