/**
 * The frames of the hub–app channel (docs/runtime-protocol.md, "Frames"): a uint32 big-endian length, then
 * that many bytes of UTF-8 JSON holding one object with a string `type`. Used on both sides: by the hub on
 * what an app process sends (never trusted) and by the TypeScript worker on what the hub sends. Pure
 * functions of Buffers, no streams, so that every rule is tested without a process.
 */

/** The file descriptor of the channel in the app process (also in its environment as GATEHOUSE_CHANNEL_FD). */
export const CHANNEL_FD = 3;
/** Largest frame body the hub sends (an `invoke`: view parameters are at most 1 MiB of request body). */
export const HUB_TO_APP_MAX_FRAME = 1024 * 1024;
/** Largest frame body an app may send: the largest result the hub can be set to accept, plus its envelope. */
export const APP_TO_HUB_MAX_FRAME = 8 * 1024 * 1024;
/** Room a `result` envelope (type, id, ok) needs around the result itself. */
export const RESULT_ENVELOPE_BYTES = 64 * 1024;

const HEADER_BYTES = 4;

/** A message as it crosses the channel: a JSON object with a `type`. */
export type ChannelMessage = { type: string } & Record<string, unknown>;

/** The peer broke the framing rules; `reason` says how, in words for the log and the error message. */
export class ChannelError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "ChannelError";
  }
}

/** One frame for `message`; throws ChannelError when its body would exceed `maxBytes`. */
export function encodeFrame(message: ChannelMessage, maxBytes: number): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  if (body.length > maxBytes) {
    throw new ChannelError(
      `a "${message.type}" message of ${body.length} bytes is over the ${maxBytes}-byte frame cap`,
    );
  }
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

/** A decoded frame: the message and the size of its body, in bytes. */
export interface DecodedFrame {
  message: ChannelMessage;
  bytes: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Parses one frame body: UTF-8 (no byte-order mark) holding one JSON object with a string `type`. */
export function parseFrameBody(body: Buffer): ChannelMessage {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ChannelError("a frame body is not UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChannelError("a frame body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ChannelError("a frame body is not a JSON object");
  }
  if (typeof (value as { type?: unknown }).type !== "string") {
    throw new ChannelError('a message has no string "type"');
  }
  return value as ChannelMessage;
}

/**
 * Reassembles frames from a byte stream: a frame may arrive in several chunks, several frames in one. The
 * length is checked as soon as its four bytes are in, before any of the body is buffered. After the first
 * violation the decoder refuses everything (the peer is stopped; nothing it sends later counts).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: ChannelError | null = null;

  constructor(private readonly maxBytes: number) {}

  /** Takes the next chunk; answers the frames it completes, in order. Throws ChannelError on a violation. */
  push(chunk: Buffer): DecodedFrame[] {
    if (this.failed) throw this.failed;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: DecodedFrame[] = [];
    try {
      for (;;) {
        if (this.buffered < HEADER_BYTES) break;
        const length = this.peekLength();
        if (length === 0) throw new ChannelError("a frame has length 0");
        if (length > this.maxBytes) {
          throw new ChannelError(`a frame of ${length} bytes is over the ${this.maxBytes}-byte cap`);
        }
        if (this.buffered < HEADER_BYTES + length) break;
        const all = this.take(HEADER_BYTES + length);
        frames.push({ message: parseFrameBody(all.subarray(HEADER_BYTES)), bytes: length });
      }
    } catch (err) {
      this.failed = err instanceof ChannelError ? err : new ChannelError(String(err));
      this.chunks = [];
      this.buffered = 0;
      throw this.failed;
    }
    return frames;
  }

  /** Bytes received that do not yet make a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peekLength(): number {
    if (this.chunks[0]!.length < HEADER_BYTES) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.readUInt32BE(0);
  }

  /** Removes and returns the first `n` buffered bytes (concatenating chunks only once per frame). */
  private take(n: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return joined.subarray(0, n);
  }
}
