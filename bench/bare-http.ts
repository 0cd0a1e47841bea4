/**
 * The token_api row's lowest baseline: bare `node:http` answering the token API's JSON (same size, same
 * `cache-control`), started the same way as the hub (Node + the tsx loader). Prints its URL once it listens.
 *
 *   node bin/run-ts.mjs bench/bare-http.ts [port]
 */
import http from "node:http";
import { TOKEN_BODY } from "./bare-server.ts";

const payload = JSON.stringify(TOKEN_BODY);
const server = http.createServer((request, response) => {
  if (request.url === "/token" || request.url === "/readyz") {
    response.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "content-length": Buffer.byteLength(payload),
    });
    response.end(payload);
    return;
  }
  response.writeHead(404).end();
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") process.stdout.write(`http://127.0.0.1:${address.port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
