/**
 * One app process, started: the worker's prepared command run in the app's sandbox (or without one), its
 * channel on fd 3 and its output into the hub's log. Reports what happens to it; the state machine of
 * src/apps/runtime.ts decides what that means.
 */
import type { ChildProcess } from "node:child_process";
import type { Duplex } from "node:stream";
import type { AppOutput } from "./appLog.ts";
import { CHANNEL_FD } from "./channel.ts";
import type { AppSpec } from "./config.ts";
import { AppConnection, type ConnectionHandlers } from "./connection.ts";
import type { AppIdentity } from "./sandbox/identity.ts";
import { launch } from "./sandbox/launch.ts";
import type { AppRuntimeSettings } from "./settings.ts";
import { describeExit } from "./viewErrors.ts";
import type { PreparedApp } from "./workers/index.ts";

export interface RunningApp {
  child: ChildProcess;
  connection: AppConnection;
  /** Why the hub stopped it, when it did (a protocol violation, a timeout): said to the views it fails. */
  stoppedBecause: string | null;
  /** Invocations the hub gave up on (timed out): a late result for one is no violation. */
  abandoned: Set<string>;
}

export interface AppChildHandlers extends ConnectionHandlers {
  /** The process could not be started at all. */
  error(err: Error): void;
  /** It ended: how (in words), and the last line it wrote to stderr. */
  exit(how: string, lastErrorLine: string): void;
}

export interface AppChildStart {
  spec: AppSpec;
  prepared: PreparedApp;
  /** The app directory's real path: its working directory, mounted read-only. */
  appDir: string;
  settings: AppRuntimeSettings;
  identity: AppIdentity;
  output: AppOutput;
}

/**
 * The environment an app process starts with: its name and the channel's descriptor, nothing of the
 * hub's (no database URL, no encryption keys, no admin password). The hub's URL and the host mapping travel
 * with each invocation.
 */
export function appEnvironment(app: string): Record<string, string> {
  const env: Record<string, string> = {
    GATEHOUSE_APP: app,
    GATEHOUSE_CHANNEL_FD: String(CHANNEL_FD),
    HOME: "/tmp",
    TMPDIR: "/tmp",
  };
  for (const key of ["TZ", "LANG"]) if (process.env[key]) env[key] = process.env[key];
  return env;
}

export function startAppChild(start: AppChildStart, handlers: AppChildHandlers): RunningApp {
  const { spec, prepared, appDir, settings, output } = start;
  const child = launch(
    {
      command: prepared.command,
      readOnly: [...prepared.readOnly, appDir],
      links: prepared.links,
      cwd: appDir,
      env: { ...appEnvironment(spec.name), ...prepared.env },
      identity: start.identity,
      limits: settings.limits,
    },
    settings.sandbox,
  );
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => output.write("stdout", chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => output.write("stderr", chunk));
  child.on("error", (err) => handlers.error(err));
  child.on("exit", (code, signal) => {
    output.end();
    prepared.dispose();
    handlers.exit(describeExit(code, signal, settings.heapMb), output.lastErrorLine);
  });
  return {
    child,
    stoppedBecause: null,
    abandoned: new Set(),
    connection: new AppConnection(child.stdio[CHANNEL_FD] as Duplex, handlers),
  };
}
