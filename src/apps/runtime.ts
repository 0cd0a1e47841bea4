import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { GatehouseError } from "../errors.ts";
import type { AppManifest } from "../sdk/app.ts";
import type { ParamValue } from "../sdk/fields.ts";
import type { ViewResultJSON } from "../sdk/results.ts";
import type { AppSpec } from "./config.ts";
import { AppBundleError, bundleApp, type AppBundle } from "./bundle.ts";
import type { AppToHub, InvokeMessage, SerializedError } from "./protocol.ts";

export const DEFAULT_VIEW_TIMEOUT_MS = 60_000;
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** After a failed start, calls fail fast for this long instead of starting the process again each time. */
const RESTART_BACKOFF_MS = 2_000;
const MAX_IN_FLIGHT = 64;
const MAX_LOG_LINE = 2_000;

export interface RuntimeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AppProcessOptions {
  viewTimeoutMs?: number;
  startTimeoutMs?: number;
  logger?: RuntimeLogger;
}

export interface Invocation {
  hubUrl: string;
  capability: string;
  hostMap: Record<string, string>;
}

/** A view invocation that failed; `code` and `status` reach the views API as problem details. */
export class ViewError extends GatehouseError {}

const appError = (code: string, message: string, status: number) => new ViewError(code, message, status);

/**
 * The environment an app process gets: enough to run node, nothing of the hub's (no database URL, no
 * encryption keys, no admin password). The hub's URL and the host mapping travel with each invocation.
 */
export function appEnvironment(app: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GATEHOUSE_APP: app, NODE_ENV: process.env.NODE_ENV ?? "production" };
  for (const key of ["PATH", "TMPDIR", "TZ", "LANG"]) if (process.env[key]) env[key] = process.env[key];
  return env;
}

/** Node's permission model: the flag's name changed in Node 22.13 / 23.5 (--experimental-permission before). */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has("--permission")
  ? "--permission"
  : "--experimental-permission";
/** Node versions whose permission model also covers the network (apps must reach the platforms). */
const NETWORK_FLAG = process.allowedNodeEnvironmentFlags.has("--allow-net") ? ["--allow-net"] : [];

/**
 * The app process may read its bundle and its own directory, and nothing else: not the hub's data
 * directory (database, keys.json), not the hub's sources. It may not write files, start processes or
 * threads, or load native addons. Network access stays open: apps call the platforms' APIs. Node documents
 * the permission model as a seat belt rather than a wall against deliberately malicious code; the process
 * boundary, the scrubbed environment and the capability checks are the boundary, this narrows it further.
 */
export function sandboxFlags(bundleFile: string, appDir: string): string[] {
  return [
    PERMISSION_FLAG,
    `--allow-fs-read=${bundleFile}`,
    // The directory's contents (a wildcard: Node 20 aborts when a directory and its wildcard are both given).
    `--allow-fs-read=${join(appDir, "*")}`,
    ...NETWORK_FLAG,
    "--enable-source-maps",
    "--disable-warning=ExperimentalWarning",
  ];
}

interface Pending {
  resolve(result: ViewResultJSON): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  view: string;
  child: ChildProcess;
}

type State =
  | { kind: "stopped" }
  | { kind: "starting"; attempt: object; child: ChildProcess | null; ready: Promise<AppManifest> }
  | { kind: "ready"; child: ChildProcess; manifest: AppManifest }
  | { kind: "failed"; message: string; at: number };

/**
 * One app's child process: its bundle (see bundle.ts) run under Node's permission model, with a scrubbed
 * environment and IPC for invocations. A view that throws fails alone; a view that exits the process or outlives the
 * timeout fails, the process is killed if needed, and the next call starts a fresh one.
 */
export class AppProcess {
  private state: State = { kind: "stopped" };
  private readonly pending = new Map<string, Pending>();
  private lastManifest: AppManifest | null = null;
  private closed = false;
  readonly viewTimeoutMs: number;

  constructor(
    readonly spec: AppSpec,
    private readonly options: AppProcessOptions = {},
  ) {
    this.viewTimeoutMs = options.viewTimeoutMs ?? DEFAULT_VIEW_TIMEOUT_MS;
  }

  /** The manifest of the last successful start, or null. */
  get manifest(): AppManifest | null {
    return this.lastManifest;
  }

  /** The load error of the last start, or null when the app loaded (or has not been started). */
  get loadError(): string | null {
    return this.state.kind === "failed" ? this.state.message : null;
  }

  get pid(): number | null {
    return this.state.kind === "ready" || this.state.kind === "starting"
      ? (this.state.child?.pid ?? null)
      : null;
  }

  /** Starts the process if needed and resolves with the app's manifest; rejects with app_load_failed. */
  async start(): Promise<AppManifest> {
    if (this.closed) throw appError("app_unavailable", `The app ${this.spec.name} is shutting down`, 503);
    switch (this.state.kind) {
      case "ready":
        return this.state.manifest;
      case "starting":
        return this.state.ready;
      case "failed":
        if (Date.now() - this.state.at < RESTART_BACKOFF_MS) {
          throw appError(
            "app_load_failed",
            `The app ${this.spec.name} failed to load: ${this.state.message}`,
            503,
          );
        }
        break;
      case "stopped":
        break;
    }
    return this.spawn();
  }

  private spawn(): Promise<AppManifest> {
    const attempt = {};
    const ready = this.bundleAndFork(attempt);
    this.state = { kind: "starting", attempt, child: null, ready };
    return ready;
  }

  private isCurrent(attempt: object): boolean {
    return this.state.kind === "starting" && this.state.attempt === attempt;
  }

  private loadFailed(attempt: object, message: string): ViewError {
    if (this.isCurrent(attempt)) {
      this.state = { kind: "failed", message, at: Date.now() };
      this.options.logger?.error({ app: this.spec.name, reason: message }, "app failed to load");
    }
    return appError("app_load_failed", `The app ${this.spec.name} failed to load: ${message}`, 503);
  }

  private async bundleAndFork(attempt: object): Promise<AppManifest> {
    let bundle: AppBundle;
    try {
      bundle = await bundleApp(this.spec);
    } catch (err) {
      throw this.loadFailed(attempt, err instanceof AppBundleError ? err.message : String(err));
    }
    if (!this.isCurrent(attempt)) {
      bundle.dispose();
      throw appError("app_unavailable", `The app ${this.spec.name} was stopped while starting`, 503);
    }
    const child = fork(bundle.file, [], {
      cwd: this.spec.dir,
      env: appEnvironment(this.spec.name),
      execArgv: sandboxFlags(bundle.file, this.spec.dir),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    if (this.state.kind === "starting") this.state.child = child;
    this.forwardOutput(child);
    const startTimeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    return new Promise<AppManifest>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(`it did not report ready within ${Math.round(startTimeoutMs / 1000)} s`);
        child.kill("SIGKILL");
      }, startTimeoutMs);
      const fail = (message: string) => {
        clearTimeout(timer);
        reject(this.loadFailed(attempt, message));
      };
      child.on("message", (message: AppToHub | null) => {
        // The app process is not trusted to speak the protocol: `process.send(null)` must not throw here (an
        // exception in this listener would end the hub).
        if (typeof message !== "object" || message === null) return;
        if (message.type === "ready") {
          clearTimeout(timer);
          if (!isManifest(message.manifest)) {
            fail("it reported a manifest of the wrong shape");
            child.kill("SIGKILL");
          } else if (this.isCurrent(attempt)) {
            this.state = { kind: "ready", child, manifest: message.manifest };
            this.lastManifest = message.manifest;
            resolve(message.manifest);
          } else {
            child.kill("SIGKILL");
            reject(appError("app_unavailable", `The app ${this.spec.name} was stopped while starting`, 503));
          }
        } else if (message.type === "load_error") {
          fail(message.message);
        } else if (message.type === "result") {
          this.settle(message);
        }
      });
      child.on("error", (err) => fail(`the process could not start: ${err.message}`));
      child.on("exit", (code, signal) => {
        bundle.dispose();
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        if (this.isCurrent(attempt)) fail(`the process ended during load (${how})`);
        else if (this.state.kind !== "ready" || this.state.child !== child) {
          // Stopped before it reported ready (a no-op when the start already settled).
          clearTimeout(timer);
          reject(appError("app_unavailable", `The app ${this.spec.name} was stopped while starting`, 503));
        } else {
          this.state = { kind: "stopped" };
          if (!this.closed) {
            this.options.logger?.warn(
              { app: this.spec.name, how },
              "app process ended; it restarts on the next call",
            );
          }
        }
        this.failAll(child, how);
      });
    });
  }

  private forwardOutput(child: ChildProcess): void {
    for (const [stream, level] of [
      [child.stdout, "info"],
      [child.stderr, "warn"],
    ] as const) {
      let buffered = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        if (buffered.length > MAX_LOG_LINE) buffered = "";
        for (const line of lines) {
          if (line.trim())
            this.options.logger?.[level](
              { app: this.spec.name, output: line.slice(0, MAX_LOG_LINE) },
              "app output",
            );
        }
      });
    }
  }

  /** Stops using `child` now (the next call starts a fresh process) and kills it. */
  private discard(child: ChildProcess): void {
    if ((this.state.kind === "ready" || this.state.kind === "starting") && this.state.child === child) {
      this.state = { kind: "stopped" };
    }
    child.kill("SIGKILL");
  }

  /** In-flight invocations of `child` fail when it ends: they can no longer answer. */
  private failAll(child: ChildProcess, how: string): void {
    for (const [id, pending] of this.pending) {
      if (pending.child !== child) continue;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(
        appError(
          "app_crashed",
          `The app ${this.spec.name} stopped (${how}) while view "${pending.view}" ran; it restarts on the next call`,
          502,
        ),
      );
    }
  }

  private settle(message: Extract<AppToHub, { type: "result" }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) {
      // The app process is not trusted to speak the protocol: only a result of a known type passes.
      const type = (message.result as { type?: unknown } | null)?.type;
      if (type === "data" || type === "table" || type === "web") pending.resolve(message.result);
      else
        pending.reject(
          appError("invalid_result", `View "${pending.view}" answered something that is not a result`, 500),
        );
    } else pending.reject(fromSerialized(message.error));
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
      throw appError("app_unavailable", `The app ${this.spec.name} is not running`, 503);
    if (this.pending.size >= MAX_IN_FLIGHT) {
      throw appError(
        "app_busy",
        `The app ${this.spec.name} is running ${MAX_IN_FLIGHT} views already; try again shortly`,
        503,
      );
    }
    const child = this.state.child;
    const id = randomUUID();
    return new Promise<ViewResultJSON>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          appError(
            "view_timeout",
            `View "${view}" of ${this.spec.name} did not finish within ${Math.round(timeoutMs / 1000)} s; the app process was restarted`,
            504,
          ),
        );
        // A view that never returns may be spinning: only a fresh process is sure to be healthy.
        this.options.logger?.warn({ app: this.spec.name, view }, "view timed out; killing the app process");
        this.discard(child);
      }, timeoutMs);
      const pending: Pending = { resolve, reject, timer, view, child };
      this.pending.set(id, pending);
      const message: InvokeMessage = { type: "invoke", id, view, params, ...invocation };
      child.send(message, (err) => {
        if (!err || !this.pending.has(id)) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(
          appError("app_crashed", `The app ${this.spec.name} could not take the call: ${err.message}`, 502),
        );
      });
    });
  }

  /** Stops the process; pending invocations fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /**
   * Stops the current process (if any); the next call bundles the app again and starts a fresh one. For
   * reloading an app whose files changed (`gatehouse dev`).
   */
  async stop(): Promise<void> {
    const child = this.state.kind === "ready" || this.state.kind === "starting" ? this.state.child : null;
    this.state = { kind: "stopped" };
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

/**
 * The codes an app process may report, with the status the hub answers with. The app is not trusted with the
 * status (or with codes of the hub's own, like `unauthenticated`): anything else becomes `view_failed`.
 */
const APP_ERROR_STATUS: Record<string, number> = {
  login_required: 401,
  integration_not_found: 404,
  integration_not_assigned: 403,
  provider_unavailable: 503,
  provider_http_error: 502,
  view_failed: 500,
  view_not_found: 404,
  invalid_result: 500,
  invalid_capability: 500,
  outside_invocation: 500,
  token_failed: 502,
};

/** App code can send its own "ready" before the worker does: only lists of named entries pass as a manifest. */
function isManifest(manifest: unknown): manifest is AppManifest {
  const named = (list: unknown) =>
    Array.isArray(list) &&
    list.every(
      (entry) =>
        typeof entry === "object" && entry !== null && typeof (entry as { name?: unknown }).name === "string",
    );
  if (typeof manifest !== "object" || manifest === null) return false;
  const { views, parametrization } = manifest as Partial<Record<keyof AppManifest, unknown>>;
  return named(views) && named(parametrization);
}

function fromSerialized(error: SerializedError): ViewError {
  const message = String(error?.message ?? "The view failed").slice(0, 2000);
  const code = typeof error?.code === "string" ? error.code : "";
  const status = APP_ERROR_STATUS[code];
  const details = typeof error?.details === "object" && error.details !== null ? error.details : {};
  if (status === undefined) return new ViewError("view_failed", message, 500);
  return new ViewError(code, message, status, details);
}

export { randomUUID as newInvocationId };
