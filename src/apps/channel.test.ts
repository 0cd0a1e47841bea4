import { thrownBy } from "../../test/helpers/thrown.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChannelError, encodeFrame, FrameDecoder } from "./channel.ts";

const frame = (body: Buffer | string, length?: number): Buffer => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length ?? bytes.length, 0);
  return Buffer.concat([header, bytes]);
};
const refusal = (decoder: FrameDecoder, chunk: Buffer): string =>
  thrownBy(ChannelError, () => decoder.push(chunk)).reason;

describe("encodeFrame", () => {
  it("writes a big-endian length and the UTF-8 JSON", () => {
    const encoded = encodeFrame({ type: "result", id: "é" }, 1024);
    const body = '{"type":"result","id":"é"}';
    expect(encoded.readUInt32BE(0)).toBe(Buffer.byteLength(body));
    expect(encoded.subarray(4).toString("utf8")).toBe(body);
  });

  it("refuses a message over the cap, naming its type and size", () => {
    expect(() => encodeFrame({ type: "invoke", params: "x".repeat(100) }, 50)).toThrow(
      /a "invoke" message of 1\d\d bytes is over the 50-byte frame cap/,
    );
  });
});

describe("FrameDecoder", () => {
  it("decodes frames split across chunks and several frames in one chunk", () => {
    const a = encodeFrame({ type: "a", n: 1 }, 100);
    const b = encodeFrame({ type: "b", text: "ü".repeat(20) }, 100);
    const stream = Buffer.concat([a, b, a]);
    for (const size of [1, 2, 3, 5, 7, stream.length]) {
      const decoder = new FrameDecoder(100);
      const types: string[] = [];
      for (let i = 0; i < stream.length; i += size)
        types.push(...decoder.push(stream.subarray(i, i + size)).map((f) => f.message.type));
      expect(types).toEqual(["a", "b", "a"]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it("reports each frame's body size", () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(encodeFrame({ type: "ready" }, 100))).toEqual([
      { message: { type: "ready" }, bytes: Buffer.byteLength('{"type":"ready"}') },
    ]);
  });

  it("refuses an oversized length as soon as the header is in, before the body", () => {
    const decoder = new FrameDecoder(1024);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff, 0);
    expect(refusal(decoder, header)).toBe("a frame of 4294967295 bytes is over the 1024-byte cap");
  });

  it.each([
    ["length 0", frame("", 0), "a frame has length 0"],
    ["not UTF-8", frame(Buffer.from([0x7b, 0xff, 0x7d])), "a frame body is not UTF-8"],
    ["a byte-order mark", frame("\uFEFF" + '{"type":"x"}'), "a frame body is not JSON"],
    ["not JSON", frame("{type: x}"), "a frame body is not JSON"],
    ["trailing data", frame('{"type":"x"} {}'), "a frame body is not JSON"],
    ["an array", frame('[{"type":"x"}]'), "a frame body is not a JSON object"],
    ["null", frame("null"), "a frame body is not a JSON object"],
    ["no type", frame('{"id":"1"}'), 'a message has no string "type"'],
    ["a number type", frame('{"type":1}'), 'a message has no string "type"'],
  ])("refuses %s", (_name, bytes, reason) => {
    expect(refusal(new FrameDecoder(1024), bytes)).toBe(reason);
  });

  it("refuses everything after the first violation, even good frames", () => {
    const decoder = new FrameDecoder(1024);
    refusal(decoder, frame("nope"));
    expect(refusal(decoder, encodeFrame({ type: "ok" }, 1024))).toBe("a frame body is not JSON");
  });

  it("never throws anything but ChannelError, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const decoder = new FrameDecoder(256);
        try {
          for (const chunk of chunks) decoder.push(Buffer.from(chunk));
        } catch (err) {
          expect(err).toBeInstanceOf(ChannelError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
