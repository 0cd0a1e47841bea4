/**
 * `GET /api/apps/{app}/reloads` (server-sent events): a `reloaded` event each time `gatehouse dev` restarted
 * the app (AppReloads, decorated by the apps plugin). On a hub without live reload (`gatehouse start`) the
 * stream says `off` and ends, so the page stops listening — and nothing answers 404 for the browser to log.
 */
import type { ServerResponse } from "node:http";
import type { FastifyPluginAsync } from "fastify";
import { signedIn } from "../context.ts";
import { problemSchema } from "../http/schemas.ts";

/** How often an idle stream says something, so proxies and browsers keep it open. */
const HEARTBEAT_MS = 20_000;

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

function openStream(raw: ServerResponse): void {
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-accel-buffering": "no",
  });
}

/** With `app.appReloads` null the hub does not reload apps: the stream says `off` and ends. */
export const appReloadRoutes: FastifyPluginAsync = async (app) => {
  const reloads = app.appReloads;
  const streams = new Set<ServerResponse>();
  // Open streams would keep close() waiting: end them first.
  app.addHook("preClose", async () => {
    for (const raw of streams) raw.end();
  });

  app.get<{ Params: { app: string } }>(
    "/api/apps/:app/reloads",
    {
      preValidation: signedIn,
      schema: {
        tags: ["apps"],
        summary: "gatehouse dev: server-sent events, one `reloaded` event each time the app reloads",
        params: {
          type: "object",
          properties: { app: { type: "string", minLength: 1, maxLength: 200 } },
          required: ["app"],
        },
        response: { 401: problemSchema },
      },
    },
    async (request, reply) => {
      reply.hijack();
      const raw = reply.raw;
      openStream(raw);
      if (!reloads) {
        // Tell the browser not to come back (it would, a few seconds after the stream ends).
        raw.end(`retry: 86400000\n${event("off", {})}`);
        return;
      }
      const name = request.params.app;
      streams.add(raw);
      raw.write(event("watching", { app: name }));
      const unsubscribe = reloads.subscribe((reload) => {
        if (reload.app === name) raw.write(event("reloaded", reload));
      });
      const heartbeat = setInterval(() => raw.write(": still here\n\n"), HEARTBEAT_MS);
      heartbeat.unref();
      raw.on("close", () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(raw);
      });
    },
  );
};
