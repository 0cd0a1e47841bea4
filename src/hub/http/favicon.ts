/**
 * The hub's icon: a gate arch in the UI's accent colour, served at /favicon.svg (the web UI and the connect
 * flow's pages link it) and at /favicon.ico (what browsers ask for on pages that name none, such as JSON
 * answers opened in a tab), so no page of the hub logs a missing-icon error.
 */
import type { FastifyPluginAsync, FastifyReply } from "fastify";

export const FAVICON_PATH = "/favicon.svg";

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#0b5cad"/>
<path d="M8 25V14a8 8 0 0 1 16 0v11h-4V14a4 4 0 0 0-8 0v11z" fill="#fff"/>
<rect x="6" y="25" width="20" height="2.5" rx="1" fill="#ffbf47"/>
</svg>
`;

function sendIcon(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-type", "image/svg+xml")
    .header("cache-control", "public, max-age=86400")
    .header("x-content-type-options", "nosniff")
    .send(FAVICON_SVG);
}

export const faviconRoutes: FastifyPluginAsync = async (app) => {
  app.get(FAVICON_PATH, { schema: { hide: true } }, (_request, reply) => sendIcon(reply));
  app.get("/favicon.ico", { schema: { hide: true } }, (_request, reply) => sendIcon(reply));
};
