/**
 * An app's bundle: its TypeScript compiled into one ES module by the confined bundler
 * (src/apps/bundler/confine.ts). Where the host has the sandbox the bundler runs in it, as the app's own
 * uid, seeing nothing but the app directory, the runtime and esbuild; elsewhere it runs in the hub with the
 * same rules. The bundle is written into a directory only the hub and the app's uid can read.
 */
import { chmodSync, chownSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type * as Esbuild from "esbuild";
import { importPackage } from "../packageImport.ts";
import { ChannelError, FrameDecoder } from "./channel.ts";
import type { AppSpec } from "./config.ts";
import { BUNDLE_MAX_FRAME, BUNDLE_TIMEOUT_MS } from "./bundler/limits.ts";
import { buildAppBundle, type AppBuildRequest, type AppBuildResult } from "./bundler/confine.ts";
import type { NodeRuntime } from "./nodeRuntime.ts";
import type { SandboxStatus } from "./sandbox/detect.ts";
import type { AppIdentity } from "./sandbox/identity.ts";
import { launch } from "./sandbox/launch.ts";

export interface AppBundle {
  dir: string;
  file: string;
  /** Removes the bundle's directory. */
  dispose(): void;
}

/** A bundling failure: the message names the file, position and import esbuild reported. */
export class AppBundleError extends Error {}

export interface BundleContext {
  runtime: NodeRuntime;
  sandbox: SandboxStatus;
  identity: AppIdentity;
  /** The app directory's real path, already checked for links (src/apps/appDir.ts). */
  appDir: string;
}

const STDERR_KEPT = 2_000;

function firstMessage(stream: Readable): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder(BUNDLE_MAX_FRAME);
    stream.on("data", (chunk: Buffer) => {
      try {
        const [frame] = decoder.push(chunk);
        if (frame) resolve(frame.message);
      } catch (err) {
        if (err instanceof ChannelError) resolve(null);
      }
    });
    stream.on("close", () => resolve(null));
    stream.on("error", () => resolve(null));
  });
}

/** Runs the bundler in the sandbox and reads its one message. */
async function bundleInSandbox(request: AppBuildRequest, context: BundleContext): Promise<AppBuildResult> {
  const { runtime } = context;
  const child = launch(
    {
      command: [runtime.node, runtime.bundler, JSON.stringify(request)],
      readOnly: [
        runtime.node,
        runtime.dir,
        runtime.esbuild.packageDir,
        runtime.esbuild.binaryDir,
        context.appDir,
      ],
      cwd: context.appDir,
      env: { ESBUILD_BINARY_PATH: runtime.esbuild.binary, HOME: "/tmp", TMPDIR: "/tmp" },
      identity: context.identity,
    },
    context.sandbox,
  );
  let stderr = "";
  child.stdout?.resume();
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_KEPT)));
  const timer = setTimeout(() => child.kill("SIGKILL"), BUNDLE_TIMEOUT_MS);
  const exited = new Promise<string>((resolve) => {
    child.on("error", (err) => resolve(`the bundler could not start: ${err.message}`));
    child.on("close", (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  const [message, how] = await Promise.all([firstMessage(child.stdio[3] as Readable), exited]);
  clearTimeout(timer);
  if (message?.type === "bundled" && typeof message.code === "string")
    return { ok: true, code: message.code };
  if (message?.type === "bundle_failed" && typeof message.message === "string") {
    return { ok: false, message: message.message };
  }
  const why = stderr.trim().split("\n").at(-1) ?? "";
  return { ok: false, message: `the bundler ended without an answer (${how})${why ? `: ${why}` : ""}` };
}

/** Writes the bundle where only the hub and the app's uid can read it. */
function writeBundle(spec: AppSpec, code: string, context: BundleContext): AppBundle {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-app-${spec.name}-`));
  const file = join(dir, "app.mjs");
  try {
    writeFileSync(file, code, { mode: 0o600 });
    if (context.sandbox.mode === "root") {
      chownSync(dir, 0, context.identity.gid);
      chmodSync(dir, 0o750);
      chownSync(file, 0, context.identity.gid);
      chmodSync(file, 0o640);
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bundles `spec` (confined to its directory); throws AppBundleError naming what failed. */
export async function bundleApp(spec: AppSpec, context: BundleContext): Promise<AppBundle> {
  const request: AppBuildRequest = {
    appDir: context.appDir,
    entry: realpathSync(spec.entryPath),
    sdkModule: context.runtime.sdk,
    tsconfig: context.runtime.tsconfig,
  };
  const result = context.sandbox.active
    ? await bundleInSandbox(request, context)
    : await buildAppBundle(request, (await importPackage<typeof Esbuild>("esbuild")).build);
  if (!result.ok) throw new AppBundleError(result.message);
  return writeBundle(spec, result.code, context);
}
