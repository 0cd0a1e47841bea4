/**
 * What a personal access token may do. A token carries scopes and, optionally, the apps it is limited to;
 * each API route a token may reach is listed here with the scope it needs, and every other route refuses
 * tokens (403 `insufficient_scope`), so a route added later is closed to tokens until it is listed. The
 * role checks of the routes still apply on top (an `admin` scope does nothing for a non-admin).
 */
import type { FastifyRequest } from "fastify";
import { GatehouseError } from "../../errors.ts";
import type { Role } from "../../db/schema.ts";

export { PAT_SCOPES } from "../../api/identity.ts";
export type { PatScope } from "../../api/identity.ts";
import type { PatScope } from "../../api/identity.ts";

/** What a token gets when its creator names no scopes. */
export const DEFAULT_PAT_SCOPES: readonly PatScope[] = ["tokens:read", "apps:run"];
export const PAT_SCOPE_DESCRIPTIONS: Record<PatScope, string> = {
  "tokens:read": "Get access tokens for app code (the token API) and read your connections",
  "apps:run": "List apps and run their views",
  admin: "The admin API (admins only)",
};

/** Which roles may create a token with a scope. */
export const SCOPE_ROLES: Record<PatScope, readonly Role[]> = {
  "tokens:read": ["admin", "developer", "user"],
  "apps:run": ["admin", "developer", "user"],
  admin: ["admin"],
};

/** A token's grant, as the authentication hook attaches it to the request. */
export interface PatGrant {
  id: string;
  scopes: readonly PatScope[];
  /** Null: every app. */
  apps: readonly string[] | null;
  expiresAt: number;
}

interface RouteRule {
  /** `any`: every token, whatever its scopes. */
  scope: PatScope | "any";
  /** The path parameter naming the app, checked against the token's apps. */
  appParam?: string;
}

/** "METHOD /route/:pattern" → what a token needs there. */
const ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  "GET /api/me": { scope: "any" },
  "GET /api/openapi.json": { scope: "any" },
  "GET /api/me/connections": { scope: "tokens:read" },
  "GET /api/apps/:app/integrations/:name/token": { scope: "tokens:read", appParam: "app" },
  "GET /api/apps": { scope: "apps:run" },
  "GET /api/apps/:app": { scope: "apps:run", appParam: "app" },
  "POST /api/apps/:app/views/:view": { scope: "apps:run", appParam: "app" },
  "GET /api/apps/:app/reloads": { scope: "apps:run", appParam: "app" },
};

/** Token management: a browser session only, so a leaked token cannot mint or keep itself alive. */
const SESSION_ONLY = new Set(["POST /api/me/tokens", "GET /api/me/tokens", "DELETE /api/me/tokens/:id"]);

const ADMIN_PREFIX = "/api/admin/";

/** Every route pattern listed here, for the test that each still exists. */
export const LISTED_ROUTES: readonly string[] = [...Object.keys(ROUTE_RULES), ...SESSION_ONLY];

type Rule = RouteRule | "session_only" | null;

/** Route pattern → method → its rule, worked out once: a token's every request asks. (Bounded: the registered
 * routes times the methods Node parses.) */
const rulesByRoute = new Map<string, Map<string, Rule>>();

function ruleFor(method: string, route: string): Rule {
  let byMethod = rulesByRoute.get(route);
  if (!byMethod) rulesByRoute.set(route, (byMethod = new Map<string, Rule>()));
  let rule = byMethod.get(method);
  if (rule === undefined) byMethod.set(method, (rule = ruleOf(method, route)));
  return rule;
}

function ruleOf(method: string, route: string): Rule {
  const key = `${method} ${route}`;
  if (SESSION_ONLY.has(key)) return "session_only";
  if (ROUTE_RULES[key]) return ROUTE_RULES[key];
  if (route.startsWith(ADMIN_PREFIX)) return { scope: "admin" };
  // Outside the API (health, metrics, the web UI's files) there is nothing a token unlocks.
  if (!route.startsWith("/api/")) return { scope: "any" };
  return null;
}

const insufficient = (detail: string, details: Record<string, unknown> = {}) =>
  new GatehouseError("insufficient_scope", detail, details);

type PatRequest = Pick<FastifyRequest, "method" | "params"> & { routeOptions: { url?: string } };

/**
 * Throws unless `grant` lets a token make this request: 403 `session_only` for token management, 403
 * `insufficient_scope` outside its scopes or apps. `route` is the matched route's pattern (never the raw
 * URL); unmatched requests are left to the not-found handler.
 */
export function checkPatRequest(grant: PatGrant, request: PatRequest): void {
  const refusal = patRefusal(grant, request);
  if (refusal) throw refusal;
}

/** What checkPatRequest would throw, or null when the token may make the request. */
export function patRefusal(grant: PatGrant, request: PatRequest): GatehouseError | null {
  const route = request.routeOptions.url;
  if (route === undefined) return null;
  const method = request.method === "HEAD" ? "GET" : request.method;
  const rule = ruleFor(method, route);
  if (rule === "session_only") {
    return new GatehouseError(
      "session_only",
      "Personal access tokens cannot create, list or delete tokens; sign in to the hub in a browser",
    );
  }
  if (rule === null) {
    return insufficient(`Personal access tokens cannot use ${method} ${route}; sign in in a browser`);
  }
  if (rule.scope !== "any" && !grant.scopes.includes(rule.scope)) {
    return insufficient(`This token lacks the ${rule.scope} scope`, { requiredScope: rule.scope });
  }
  if (rule.appParam && grant.apps) {
    const app = (request.params as Record<string, unknown>)[rule.appParam];
    if (typeof app !== "string" || !grant.apps.includes(app)) {
      return insufficient(`This token is limited to the apps ${grant.apps.join(", ")}`, { apps: grant.apps });
    }
  }
  return null;
}

/** False when the request came with a token limited to other apps (lists filter by it). */
export function allowsApp(request: { pat?: PatGrant | null }, app: string): boolean {
  return !request.pat?.apps || request.pat.apps.includes(app);
}
