/**
 * Live reload for `gatehouse dev`: the command tells `AppReloads` each time it restarted an app after a
 * save, and an open app page, listening on `GET /api/apps/{app}/reloads` (server-sent events), refreshes
 * itself and says "Reloaded". On a hub without live reload (`gatehouse start`) the stream says `off` and
 * ends, so the page stops listening — and nothing answers 404 for the browser to log.
 */
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import type { FastifyPluginAsync } from "fastify";
import { signedIn } from "./context.ts";
import { problemSchema } from "./schemas.ts";

export interface AppReload {
  app: string;
  /** Epoch ms. */
  at: number;
  /** The app's load error after the reload, or null when it loaded. */
  error: string | null;
}

/** Reload notices, from `gatehouse dev` to the open app pages. */
export class AppReloads {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open app page; dev servers are local and few, so no warning at 10.
    this.emitter.setMaxListeners(0);
  }

  notify(reload: AppReload): void {
    this.emitter.emit("reload", reload);
  }

  /** Calls `listener` for every reload until the returned function is called. */
  subscribe(listener: (reload: AppReload) => void): () => void {
    this.emitter.on("reload", listener);
    return () => this.emitter.off("reload", listener);
  }
}

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

/** `GET /api/apps/{app}/reloads`; `reloads` null: this hub does not reload apps (the stream says `off`). */
export function appReloadRoutes(reloads: AppReloads | null): FastifyPluginAsync {
  return async (app) => {
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
}
