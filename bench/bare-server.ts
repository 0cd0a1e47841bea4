/**
 * The baseline of the token_api and cold_start_ms rows: a bare Fastify app on this machine, started the
 * same way as the hub (Node + the tsx loader), answering `GET /token` with a JSON body of the token API's
 * size and `cache-control: no-store`, nothing else. Prints its URL on stdout once it listens.
 *
 *   node bin/run-ts.mjs bench/bare-server.ts [port]
 */
import Fastify from "fastify";

/** What both bare servers answer: the token API's answer, with a token of a real JWT's size. */
export const TOKEN_BODY = {
  accessToken: "x".repeat(900),
  tokenType: "Bearer",
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  scopes: ["itwin-platform"],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = Fastify({ logger: false });
  app.get("/token", async (_request, reply) => {
    void reply.header("cache-control", "no-store");
    return TOKEN_BODY;
  });
  app.get("/readyz", async () => ({ status: "ok" }));
  const url = await app.listen({ host: "127.0.0.1", port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`${url}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
