/**
 * What every API answer carries (docs/security.md): answers are per user and often secret, so never cached;
 * and never sniffed into something other than their content type. Set by the hub's onSend hook and by the
 * token route's fast lane, which answers before Fastify (tokens/heldTokenLane.ts).
 */
export const API_PREFIX = "/api/";
export const API_CACHE_CONTROL = "no-store";
export const API_CONTENT_TYPE_OPTIONS = "nosniff";
