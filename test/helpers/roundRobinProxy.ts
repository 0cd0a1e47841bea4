/**
 * A tiny round-robin HTTP load balancer on 127.0.0.1 for the multi-hub tests: one public URL in front of
 * several hub processes. Like nginx's `proxy_next_upstream error`, a request whose upstream fails before
 * answering (refused, reset, killed mid-request) is sent to the next hub: always for GET/HEAD (idempotent;
 * the token API's refresh is coordinated in the database, so a retried GET is safe), and for other methods
 * only when the connection was refused (the request never reached a hub). A response whose headers were
 * already passed on cannot be retried; that is counted in `stats.brokenResponses`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";

export interface RoundRobinProxy {
  url: string;
  stats: { requests: number; retries: number; failed: number; brokenResponses: number };
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreams: () => string[]): Promise<RoundRobinProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const stats = { requests: 0, retries: 0, failed: 0, brokenResponses: 0 };
  let next = 0;

  /** Attempt `attempt` of a request goes to the hub after the one before: a retry never lands on the hub that
   *  just failed (as a load balancer's next-upstream rule), whatever other requests did meanwhile. */
  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    attempt: number,
    first = next++,
  ): void => {
    const targets = upstreams();
    const target = new URL(req.url ?? "/", targets[(first + attempt) % targets.length]);
    const idempotent = req.method === "GET" || req.method === "HEAD";
    let answered = false;
    const upstream = http.request(
      target,
      {
        method: req.method,
        headers: { ...req.headers, "x-forwarded-for": req.socket.remoteAddress ?? "" },
        agent,
        timeout: 60_000,
      },
      (response) => {
        answered = true;
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
        response.on("error", () => {
          stats.brokenResponses++;
          res.destroy();
        });
        response.on("aborted", () => {
          stats.brokenResponses++;
          res.destroy();
        });
      },
    );
    upstream.on("timeout", () => upstream.destroy(new Error("upstream timeout")));
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return;
      const retryable = idempotent || error.code === "ECONNREFUSED";
      if (retryable && attempt < 8) {
        stats.retries++;
        // Every hub was tried once: give a restarting one a moment.
        const delay = attempt >= targets.length ? 100 : 0;
        setTimeout(() => forward(req, res, body, attempt + 1, first), delay);
        return;
      }
      stats.failed++;
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "bad_gateway", detail: error.code ?? error.message }));
    });
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    stats.requests++;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => forward(req, res, Buffer.concat(chunks), 0));
  });
  // Longer than any pause within a test: with 5 s, a socket left idle between two storms could be closed by
  // the proxy just as a client (whose own idle limit follows the server's hint, minus a margin that late
  // timers eat under load) sent its next request on it, and fetch rejected what no hub had failed.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
