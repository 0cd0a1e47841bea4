import type { FastifySchema, RouteShorthandOptions } from "fastify";
import { withRole } from "../context.ts";

const adminOnly = withRole("admin");

/**
 * The options of an admin API route: admins only (anyone else is refused before the handler runs), listed
 * under "admin" in the OpenAPI document with `summary` and the route's own `schema`.
 */
export function adminRoute(
  summary: string,
  schema: Omit<FastifySchema, "tags" | "summary">,
): RouteShorthandOptions {
  return { preValidation: adminOnly, schema: { tags: ["admin"], summary, ...schema } };
}
