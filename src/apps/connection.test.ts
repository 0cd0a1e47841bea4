import { Duplex, PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { encodeFrame } from "./channel.ts";
import { AppConnection } from "./connection.ts";

const manifest = {
  parametrization: [],
  views: [{ name: "v", kind: "data", label: "V", durationGuess: null }],
};

/** An AppConnection over in-memory streams: `app` is what the app process writes, `hub` what the hub wrote. */
function connect() {
  const app = new PassThrough();
  const hub = new PassThrough();
  const events: unknown[][] = [];
  const connection = new AppConnection(Duplex.from({ readable: app, writable: hub }), {
    ready: (m) => events.push(["ready", m]),
    loadError: (m) => events.push(["loadError", m]),
    result: (m, bytes) => events.push(["result", m, bytes]),
    violation: (reason) => events.push(["violation", reason]),
  });
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  const send = async (message: Record<string, unknown> & { type: string }) => {
    app.write(encodeFrame(message, 1 << 20));
    await flush();
  };
  return { app, hub, events, connection, send, flush };
}

describe("AppConnection", () => {
  it("passes ready, then results with their frame size", async () => {
    const { events, send } = connect();
    await send({ type: "ready", protocol: 1, manifest });
    const result = { type: "result", id: "a", ok: true, result: { type: "web", html: "" } };
    await send(result);
    expect(events).toEqual([
      ["ready", manifest],
      ["result", result, Buffer.byteLength(JSON.stringify(result))],
    ]);
  });

  it("reports a load error", async () => {
    const { events, send } = connect();
    await send({ type: "load_error", message: "app.ts:1: boom" });
    expect(events).toEqual([["loadError", "app.ts:1: boom"]]);
  });

  it.each([
    [
      "a result before ready",
      [{ type: "result", id: "a", ok: true, result: null }],
      "it sent a result before it was ready",
    ],
    [
      "a second ready",
      [
        { type: "ready", protocol: 1, manifest },
        { type: "ready", protocol: 1, manifest },
      ],
      'it sent "ready" after it was ready',
    ],
    [
      "a load error after ready",
      [
        { type: "ready", protocol: 1, manifest },
        { type: "load_error", message: "x" },
      ],
      'it sent "load_error" after it was ready',
    ],
    ["an unknown type", [{ type: "hello" }], 'an unknown message type "hello"'],
  ])("stops at %s, once, and ignores what follows", async (_name, messages, reason) => {
    const { events, send } = connect();
    for (const message of messages) await send(message);
    await send({ type: "ready", protocol: 1, manifest });
    expect(events.filter((e) => e[0] === "violation")).toEqual([["violation", reason]]);
    expect(events.at(-1)).toEqual(["violation", reason]);
  });

  it("stops at garbage bytes and at an oversized length", async () => {
    const garbage = connect();
    garbage.app.write(Buffer.from("\u0000\u0000\u0000\u0005hello"));
    await garbage.flush();
    expect(garbage.events).toEqual([["violation", "a frame body is not JSON"]]);
    const huge = connect();
    huge.app.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await huge.flush();
    expect(huge.events).toEqual([["violation", "a frame of 4294967295 bytes is over the 8388608-byte cap"]]);
  });

  it("sends invokes as frames and refuses one over the hub → app cap", () => {
    const { hub, connection } = connect();
    const invoke = {
      type: "invoke" as const,
      id: "1",
      view: "v",
      params: {},
      hubUrl: "http://127.0.0.1:1",
      capability: "c",
      hostMap: {},
    };
    connection.send(invoke);
    const frame = hub.read() as Buffer;
    expect(JSON.parse(frame.subarray(4).toString())).toEqual(invoke);
    expect(() => connection.send({ ...invoke, params: { big: "x".repeat(1 << 20) } })).toThrow(/frame cap/);
  });
});
