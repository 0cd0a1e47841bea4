/**
 * The few raw-HTTP steps the emulator takes on requests it hands to oidc-provider (which reads the
 * Node request itself): read a body once, give oidc-provider a replay of it, and answer JSON or HTML
 * without Fastify.
 */
import { IncomingMessage, type ServerResponse } from "node:http";

const MAX_BODY_BYTES = 56 * 1024;

/** An answer the emulator writes itself. */
export interface JsonAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Undefined: an empty body. */
  body?: unknown;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** A copy of `original` whose body can be read again (for handing a consumed request on). */
export function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(original.socket);
  replay.method = original.method;
  replay.url = original.url;
  replay.headers = original.headers;
  replay.rawHeaders = original.rawHeaders;
  replay.httpVersion = original.httpVersion;
  replay.httpVersionMajor = original.httpVersionMajor;
  replay.httpVersionMinor = original.httpVersionMinor;
  // Marked complete, or destroying the finished replay would take the shared socket down with it.
  replay.complete = true;
  replay.push(body);
  replay.push(null);
  return replay;
}

export function writeJson(res: ServerResponse, answer: JsonAnswer): void {
  const headers: Record<string, string> = { "cache-control": "no-store", ...answer.headers };
  if (answer.body === undefined) {
    res.writeHead(answer.status, { ...headers, "content-length": "0" });
    res.end();
    return;
  }
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

export function writeHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "cache-control": "no-store",
    "content-type": "text/html; charset=utf-8",
    "content-length": String(Buffer.byteLength(html)),
  });
  res.end(html);
}
