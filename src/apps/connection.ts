/**
 * The hub's end of one app process's channel: frames decoded with the app → hub cap, each message checked
 * against its schema and against the order the protocol allows (`ready` or `load_error` first and once,
 * `result`s only after `ready`). The first violation is reported once and everything after it is ignored:
 * the caller stops the process. Nothing here throws into the hub's event loop.
 */
import type { Duplex } from "node:stream";
import type { AppManifest } from "../sdk/app.ts";
import {
  APP_TO_HUB_MAX_FRAME,
  ChannelError,
  encodeFrame,
  FrameDecoder,
  HUB_TO_APP_MAX_FRAME,
} from "./channel.ts";
import { parseAppMessage } from "./appMessages.ts";
import type { HubToApp, ResultMessage } from "./protocol.ts";

export interface ConnectionHandlers {
  ready(manifest: AppManifest): void;
  loadError(message: string): void;
  /** A result, with the size of the frame that carried it. */
  result(message: ResultMessage, bytes: number): void;
  /** The app broke the protocol (`reason` says how); nothing it sends counts any more. */
  violation(reason: string): void;
}

export class AppConnection {
  private readonly decoder = new FrameDecoder(APP_TO_HUB_MAX_FRAME);
  private state: "hello" | "ready" | "done" = "hello";

  constructor(
    private readonly socket: Duplex,
    private readonly handlers: ConnectionHandlers,
  ) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    // The other end closing is no violation: the process is ending, and its exit says how.
    socket.on("error", () => undefined);
  }

  /** Sends one message; throws ChannelError when it is over the hub → app cap. */
  send(message: HubToApp): void {
    this.socket.write(encodeFrame(message as unknown as { type: string }, HUB_TO_APP_MAX_FRAME));
  }

  /** Asks the app to exit, then closes the channel (end of file means the same). */
  shutdown(): void {
    if (this.socket.writable) {
      this.socket.end(encodeFrame({ type: "shutdown" }, HUB_TO_APP_MAX_FRAME));
    }
  }

  private receive(chunk: Buffer): void {
    if (this.state === "done") return;
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.violate(err instanceof ChannelError ? err.reason : String(err));
      return;
    }
    for (const frame of frames) {
      if (this.state === "done") return;
      const parsed = parseAppMessage(frame.message);
      if (!parsed.ok) {
        this.violate(parsed.reason);
        return;
      }
      const message = parsed.message;
      if (message.type === "result") {
        if (this.state !== "ready") this.violate("it sent a result before it was ready");
        else this.handlers.result(message, frame.bytes);
      } else if (this.state !== "hello") {
        this.violate(`it sent "${message.type}" after it was ready`);
      } else if (message.type === "ready") {
        this.state = "ready";
        this.handlers.ready(message.manifest);
      } else {
        this.state = "done";
        this.handlers.loadError(message.message);
      }
    }
  }

  private violate(reason: string): void {
    this.state = "done";
    this.handlers.violation(reason);
  }
}
