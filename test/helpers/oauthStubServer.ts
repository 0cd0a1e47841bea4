import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";

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
 * A tiny real HTTP server on 127.0.0.1 for engine tests: each test sets `handler` to answer as a provider
 * would (or would not), and reads `requests` to see what the engine sent on the wire.
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
 * The stub for one test file: listening before its first test, closed after its last, and with `requests`
 * cleared before each test. Its `url` is set once it listens, so read it inside hooks and tests.
 */
export function useStubServer(): StubServer {
  const stub = unstartedStub();
  beforeAll(() => listen(stub));
  afterAll(() => stub.close());
  beforeEach(() => {
    stub.requests.length = 0;
  });
  return stub;
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
      const headers: Record<string, string> = { ...answer.headers };
      let payload = answer.text ?? "";
      if (answer.json !== undefined) {
        payload = JSON.stringify(answer.json);
        headers["content-type"] ??= "application/json";
      }
      res.writeHead(answer.status ?? 200, headers);
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
