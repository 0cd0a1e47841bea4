import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { FastifyServerFactory } from "fastify";

/** Answers a request before Fastify and returns true, or returns false and leaves it untouched. */
export type FrontDesk = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The hub's HTTP server: the one Fastify makes for its options (the same timeouts), except that `front`,
 * once set, is asked about each request first (Fastify's `serverFactory`). The token route's fast lane
 * sits there (tokens/heldTokenLane.ts).
 */
export function serverWithFront(front: () => FrontDesk | null): FastifyServerFactory {
  return (handler, options) => {
    // The hub serves plain HTTP/1.1 (TLS, if any, at the load balancer): say so rather than drop an option.
    if (options.https || options.http2) throw new Error("serverWithFront makes HTTP/1.1 servers only");
    const server = createServer(
      (options.http ?? {}) as Parameters<typeof createServer>[0],
      (req: IncomingMessage, res: ServerResponse) => {
        const desk = front();
        if (desk === null || !answeredAtDesk(desk, req, res)) handler(req, res);
      },
    );
    // As Fastify sets its own server (fastify/lib/server.js, getServerInstance).
    server.keepAliveTimeout = options.keepAliveTimeout as number;
    server.requestTimeout = options.requestTimeout as number;
    server.setTimeout(options.connectionTimeout as number);
    if ((options.maxRequestsPerSocket as number) > 0)
      server.maxRequestsPerSocket = options.maxRequestsPerSocket as number;
    return server;
  };
}

/**
 * Whether `desk` answered. A throw in a server's request listener would end the process, so a desk that
 * throws before writing hands the request to Fastify, whose error handling answers (and logs) it; one that
 * throws mid-answer has its connection closed.
 */
function answeredAtDesk(desk: FrontDesk, req: IncomingMessage, res: ServerResponse): boolean {
  try {
    return desk(req, res);
  } catch {
    if (!res.headersSent) return false;
    res.destroy();
    return true;
  }
}
