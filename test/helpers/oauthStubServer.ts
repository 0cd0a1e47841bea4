import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { fakeOrigin, interceptOrigin, releaseOrigin, untilAborted } from "./fetchIntercept.ts";

/** One request the stub received, as it came over the wire. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body; `form` is it parsed as application/x-www-form-urlencoded. */
  body: string;
  form: URLSearchParams;
}

/**
 * What the stub answers: a status, headers and a body (objects are sent as JSON); "hang" (never answers);
 * or "hang-body" (200 JSON headers and the start of a body, then nothing).
 */
export type StubAnswer =
  { status?: number; headers?: Record<string, string>; json?: unknown; text?: string } | "hang" | "hang-body";

export type StubHandler = (request: RecordedRequest) => StubAnswer;

/**
 * A stub provider for engine tests: each test sets `handler` to answer as a provider would (or would not),
 * and reads `requests` to see what the engine sent. Two transports: a tiny real HTTP server on 127.0.0.1
 * (`startStubServer`, for end-to-end tests whose hub may run elsewhere), or this process's fetch routed to
 * the handler (`useStubProvider`, for unit tests, which start no servers).
 */
export interface StubServer {
  url: string;
  handler: StubHandler;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A stub that is not listening yet and answers 404 until a handler is set. */
function unstartedStub(): StubServer {
  return {
    url: "",
    handler: () => ({ status: 404, json: { error: "not_found" } }),
    requests: [],
    close: () => Promise.resolve(),
  };
}

/** Starts a stub on 127.0.0.1 at a free port. Answers 404 until a handler is set. */
export async function startStubServer(): Promise<StubServer> {
  const stub = unstartedStub();
  await listen(stub);
  return stub;
}

/**
 * The in-process stub for one unit-test file: `fetch` calls to its made-up origin reach the handler, as on
 * the wire (headers, form body), with no server. "hang" waits for the caller's signal as a silent server
 * would; after `close()` its origin refuses connections.
 */
export function useStubProvider(): StubServer {
  const stub = unstartedStub();
  beforeAll(() => {
    startInProcess(stub);
  });
  afterAll(() => releaseOrigin(stub.url));
  beforeEach(() => {
    stub.requests.length = 0;
  });
  return stub;
}

/** An in-process stub of its own (not tied to a file's hooks); `close()` makes its origin refuse. */
export async function startStubProvider(): Promise<StubServer> {
  const stub = unstartedStub();
  startInProcess(stub);
  return stub;
}

function startInProcess(stub: StubServer): void {
  stub.url = fakeOrigin("stub-provider");
  const close = interceptOrigin(stub.url, async (request, signal) => {
    const body = await request.text();
    const recorded: RecordedRequest = {
      method: request.method,
      path: new URL(request.url).pathname + new URL(request.url).search,
      headers: Object.fromEntries(request.headers),
      body,
      form: new URLSearchParams(body),
    };
    stub.requests.push(recorded);
    const answer = stub.handler(recorded);
    if (answer === "hang") return untilAborted(signal);
    if (answer === "hang-body") {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"access_token":'));
          signal?.addEventListener("abort", () => controller.error(signal.reason), { once: true });
        },
      });
      return new Response(stream, { status: 200, headers: { "content-type": "application/json" } });
    }
    const { status, headers, payload } = wireAnswer(answer);
    return new Response(payload === "" && status === 204 ? null : payload, { status, headers });
  });
  stub.close = () => {
    close();
    return Promise.resolve();
  };
}

/** A handler's answer as status, headers and body text. */
function wireAnswer(answer: Exclude<StubAnswer, "hang" | "hang-body">): {
  status: number;
  headers: Record<string, string>;
  payload: string;
} {
  const headers: Record<string, string> = { ...answer.headers };
  let payload = answer.text ?? "";
  if (answer.json !== undefined) {
    payload = JSON.stringify(answer.json);
    headers["content-type"] ??= "application/json";
  }
  return { status: answer.status ?? 200, headers, payload };
}

/** Serves `stub` on 127.0.0.1 at a free port, filling in its `url` and `close`. */
async function listen(stub: StubServer): Promise<void> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
        form: new URLSearchParams(body),
      };
      stub.requests.push(recorded);
      const answer = stub.handler(recorded);
      if (answer === "hang") return;
      if (answer === "hang-body") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"access_token":');
        return;
      }
      const { status, headers, payload } = wireAnswer(answer);
      res.writeHead(status, headers);
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  stub.url = `http://127.0.0.1:${port}`;
  stub.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
}
