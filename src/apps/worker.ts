/**
 * The TypeScript worker: the code that runs in an app's process, next to the app's own bundle. It speaks the
 * runtime protocol (docs/runtime-protocol.md) on the channel (fd 3): loads the app's module, reports `ready`
 * with the manifest (or `load_error`), then runs each `invoke` in its own invocation context (capability,
 * hub URL, host mapping) and answers with a `result`. It holds no hub secrets: the environment is the app's
 * own, the file system the sandbox's, and tokens come only through the capability exchange.
 *
 * Bundled once per hub with the SDK (src/apps/nodeRuntime.ts); started as `node worker.mjs <app bundle>`.
 */
import { Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { isGatehouseApp, manifestOf, type GatehouseApp } from "../sdk/app.ts";
import { GatehouseSdkError } from "../sdk/errors.ts";
import { runInInvocation, setDefaultHostMap } from "../sdk/invocation.ts";
import { DataResult, ResultError, TableResult, WebResult } from "../sdk/results.ts";
import {
  APP_TO_HUB_MAX_FRAME,
  CHANNEL_FD,
  ChannelError,
  encodeFrame,
  FrameDecoder,
  HUB_TO_APP_MAX_FRAME,
  type ChannelMessage,
} from "./channel.ts";
import { PROTOCOL_VERSION, type AppToHub, type InvokeMessage, type SerializedError } from "./protocol.ts";

const RESULT_CLASSES = { data: DataResult, table: TableResult, web: WebResult } as const;

function serializeError(err: unknown, view: string): SerializedError {
  if (err instanceof GatehouseSdkError)
    return { code: err.code, message: err.message, details: err.details() };
  if (err instanceof ResultError) {
    return { code: "invalid_result", message: `View "${view}" built an invalid result: ${err.message}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  // The app's own failure: its message is the app's words; the stack stays in this process's log.
  console.error(`view "${view}" failed:`, err);
  return { code: "view_failed", message: `View "${view}" failed: ${message}` };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}

class Channel {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder(HUB_TO_APP_MAX_FRAME);

  constructor(fd: number, onMessage: (message: ChannelMessage) => void) {
    this.socket = new Socket({ fd, readable: true, writable: true });
    this.socket.on("data", (chunk: Buffer) => {
      let frames;
      try {
        frames = this.decoder.push(chunk);
      } catch (err) {
        console.error(`gatehouse worker: the hub's channel broke the protocol: ${(err as Error).message}`);
        process.exit(70);
      }
      for (const frame of frames) onMessage(frame.message);
    });
    // The hub closed the channel (it stopped, or wants this process gone): nothing more can be answered.
    this.socket.on("end", () => process.exit(0));
    this.socket.on("error", () => process.exit(0));
  }

  send(message: AppToHub, then?: () => void): void {
    this.socket.write(encodeFrame(message, APP_TO_HUB_MAX_FRAME), then);
  }

  /** A result too large for one frame goes as an error instead: the hub would stop a process that sent it. */
  sendResult(id: string, view: string, result: unknown): void {
    try {
      this.send({ type: "result", id, ok: true, result });
    } catch (err) {
      if (!(err instanceof ChannelError)) throw err;
      const bytes = Buffer.byteLength(JSON.stringify(result));
      this.send({
        type: "result",
        id,
        ok: false,
        error: {
          code: "invalid_result",
          message: `View "${view}" built a result of ${bytes} bytes; one result can be at most ${APP_TO_HUB_MAX_FRAME} bytes`,
        },
      });
    }
  }
}

async function invoke(app: GatehouseApp, channel: Channel, message: InvokeMessage): Promise<void> {
  const view = Object.hasOwn(app.views, message.view) ? app.views[message.view] : undefined;
  try {
    if (!view) throw new GatehouseSdkError("view_not_found", `The app has no view "${message.view}"`, 404);
    const context = {
      hubUrl: message.hubUrl,
      capability: message.capability,
      hostMap: message.hostMap,
      tokens: new Map(),
    };
    const result: unknown = await runInInvocation(context, () =>
      view.handler({ params: message.params as never }),
    );
    const expected = RESULT_CLASSES[view.kind as keyof typeof RESULT_CLASSES];
    if (!(result instanceof expected)) {
      throw new ResultError(`a ${view.kind}View must return a ${expected.name} (got ${describe(result)})`);
    }
    channel.sendResult(message.id, message.view, result.toJSON());
  } catch (err) {
    channel.send({ type: "result", id: message.id, ok: false, error: serializeError(err, message.view) });
  }
}

const isInvoke = (message: ChannelMessage): message is ChannelMessage & InvokeMessage =>
  message.type === "invoke" &&
  typeof message.id === "string" &&
  typeof message.view === "string" &&
  typeof message.hubUrl === "string" &&
  typeof message.capability === "string" &&
  typeof message.params === "object" &&
  typeof message.hostMap === "object";

/** Loads the app (lazily, so that an error at import is reported rather than crashing) and serves the hub. */
export async function runAppProcess(load: () => Promise<{ default?: unknown }>): Promise<void> {
  let app: GatehouseApp | null = null;
  const fd = Number(process.env.GATEHOUSE_CHANNEL_FD ?? CHANNEL_FD);
  const channel = new Channel(fd, (message) => {
    if (message.type === "shutdown") process.exit(0);
    if (app && isInvoke(message)) {
      setDefaultHostMap(message.hostMap);
      void invoke(app, channel, message);
    }
  });
  try {
    const loaded = await load();
    if (!isGatehouseApp(loaded.default)) {
      throw new Error("the entry module must export default defineApp({ parametrization, views })");
    }
    app = loaded.default;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Exit once the message has left: the hub reports it as the app's load error.
    channel.send({ type: "load_error", message }, () => process.exit(1));
    return;
  }
  channel.send({ type: "ready", protocol: PROTOCOL_VERSION, manifest: manifestOf(app) });
}

// `node worker.mjs <app bundle>`: the app's module is the first argument.
const appModule = process.argv[2];
if (appModule) await runAppProcess(() => import(pathToFileURL(appModule).href));
