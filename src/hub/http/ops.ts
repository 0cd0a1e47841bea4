import type { FastifyPluginAsync } from "fastify";
import { sql } from "kysely";
import { problem, sendProblem } from "./problem.ts";
import { problemSchema } from "./schemas.ts";

const statusSchema = {
  type: "object",
  properties: { status: { type: "string" } },
  required: ["status"],
} as const;

const readySchema = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["ready", "degraded"] },
    changeFeed: {
      type: "string",
      enum: ["live", "down", "off"],
      description: "live: caches on; down: the listener is lost and caches read through; off: no caches",
    },
  },
  required: ["status", "changeFeed"],
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
        summary: "The database answers (503 otherwise); degraded while the change feed's listener is down",
        description:
          "200 `ready`, or 200 `degraded` while this hub cannot hear other hubs' changes: it still answers " +
          "correctly, reading everything from the database, only slower. 503 when the database does not answer.",
        response: { 200: readySchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(app.store.db);
        const feed = app.changeFeed;
        if (!feed) return { status: "ready", changeFeed: "off" };
        feed.poll();
        return feed.live
          ? { status: "ready", changeFeed: "live" }
          : { status: "degraded", changeFeed: "down" };
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
