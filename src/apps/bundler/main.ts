/**
 * The bundler process: run in the app's sandbox (as the app's uid, seeing only the app directory, the
 * runtime and esbuild), it bundles one app (src/apps/bundler/confine.ts) and sends the outcome to the hub as
 * one frame on fd 3: `{ type: "bundled", code }` or `{ type: "bundle_failed", message }`. The request is
 * its first argument, as JSON. Bundled into the runtime (src/apps/nodeRuntime.ts) as bundler.mjs.
 */
import { Socket } from "node:net";
import { CHANNEL_FD, encodeFrame, type ChannelMessage } from "../channel.ts";
import { BUNDLE_MAX_FRAME } from "./limits.ts";
import { buildAppBundle, type AppBuildRequest } from "./confine.ts";

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? "null") as AppBuildRequest;
  const { build } = await import("esbuild");
  const result = await buildAppBundle(request, build);
  const message: ChannelMessage = result.ok
    ? { type: "bundled", code: result.code }
    : { type: "bundle_failed", message: result.message };
  let frame: Buffer;
  try {
    frame = encodeFrame(message, BUNDLE_MAX_FRAME);
  } catch {
    frame = encodeFrame(
      { type: "bundle_failed", message: `the bundle is larger than ${BUNDLE_MAX_FRAME} bytes` },
      BUNDLE_MAX_FRAME,
    );
  }
  const channel = new Socket({ fd: CHANNEL_FD, readable: false, writable: true });
  channel.end(frame, () => process.exit(0));
}

await main();
