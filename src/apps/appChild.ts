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
  /** How long after its exit the process's pipes may take to deliver the rest (DRAIN_GRACE_MS). */
  drainGraceMs?: number;
}

/** Past this, an exited process's pipes that some process of its own still holds are not waited for. */
export const DRAIN_GRACE_MS = 2_000;

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
  // What the process wrote last (a load_error on the channel, its last words on stderr) may still be in its
  // pipes when its exit is seen: the end is reported once they are read to their end ("close"), or, should
  // a process it left behind hold one open, a grace period after the exit.
  let ended = false;
  let grace: NodeJS.Timeout | undefined;
  const end = (code: number | null, signal: NodeJS.Signals | null) => {
    if (ended) return;
    ended = true;
    clearTimeout(grace);
    output.end();
    prepared.dispose();
    handlers.exit(describeExit(code, signal, settings.heapMb), output.lastErrorLine);
  };
  child.on("exit", (code, signal) => {
    grace = setTimeout(() => end(code, signal), start.drainGraceMs ?? DRAIN_GRACE_MS);
  });
  child.on("close", end);
  return {
    child,
    stoppedBecause: null,
    abandoned: new Set(),
    connection: new AppConnection(child.stdio[CHANNEL_FD] as Duplex, handlers),
  };
}
