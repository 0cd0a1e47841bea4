import type { FastifyPluginAsync } from "fastify";
import { sql } from "kysely";
import { problem, sendProblem } from "./problem.ts";
import { problemSchema } from "./schemas.ts";

const statusSchema = {
  type: "object",
  properties: { status: { type: "string" } },
  required: ["status"],
} as const;

/** Liveness, readiness and Prometheus metrics. */
export const opsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    "/healthz",
    { schema: { tags: ["ops"], summary: "The process is up", response: { 200: statusSchema } } },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["ops"],
        summary: "The database answers",
        response: { 200: statusSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(app.store.db);
        return { status: "ready" };
      } catch (err) {
        request.log.warn({ err }, "readiness check failed");
        return sendProblem(reply, problem("not_ready", "The database does not answer"));
      }
    },
  );

  app.get(
    "/metrics",
    { schema: { tags: ["ops"], summary: "Prometheus metrics", produces: ["text/plain"] } },
    async (_request, reply) => {
      const { metrics } = app;
      return reply.header("content-type", metrics.contentType).send(await metrics.text());
    },
  );
};
