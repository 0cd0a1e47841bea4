/**
 * The baselines of the token_api and cold_start_ms rows: a bare Fastify app on this machine, started the
 * same way as the hub (Node + the tsx loader).
 * - `GET /token`: a JSON body of the token API's size, nothing else (the bare-route baseline).
 * - `GET /floor` (when FLOOR_DB_URL is set): the database floor of the token API — the same three
 *   indexed lookups the hub makes per request (personal access token and its user, the integration, the
 *   connection) on the same PostgreSQL through a `pg` pool, then the same-size JSON. No framework hooks,
 *   no decryption, no schemas: what any implementation of this route must at least pay.
 * Prints its URL on stdout once it listens.
 *
 *   node bin/run-ts.mjs bench/bare-server.ts [port]
 *   env FLOOR_DB_URL, FLOOR_TOKEN_HASH, FLOOR_INTEGRATION (name), FLOOR_USER (id)
 */
import Fastify from "fastify";
import pg from "pg";

const app = Fastify({ logger: false });
const body = {
  accessToken: "x".repeat(900),
  tokenType: "Bearer",
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  scopes: ["itwin-platform"],
};
app.get("/token", async (_request, reply) => {
  void reply.header("cache-control", "no-store");
  return body;
});
app.get("/readyz", async () => ({ status: "ok" }));

const dbUrl = process.env.FLOOR_DB_URL;
if (dbUrl) {
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 });
  const env = (name: string) => process.env[name] ?? "";
  app.get("/floor", async (_request, reply) => {
    const user = await pool.query<{ id: string }>(
      "select u.id, u.email, u.role, p.last_used_at from personal_access_tokens p join users u on u.id = p.user_id where p.token_hash = $1",
      [env("FLOOR_TOKEN_HASH")],
    );
    const integration = await pool.query<{ id: string }>("select * from integrations where name = $1", [
      env("FLOOR_INTEGRATION"),
    ]);
    const connection = await pool.query(
      "select * from connections where integration_id = $1 and user_id = $2",
      [integration.rows[0]?.id, user.rows[0]?.id ?? env("FLOOR_USER")],
    );
    if (connection.rows.length !== 1) return reply.code(500).send({ error: "no connection" });
    void reply.header("cache-control", "no-store");
    return body;
  });
  app.addHook("onClose", () => pool.end());
}

const url = await app.listen({ host: "127.0.0.1", port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${url}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
