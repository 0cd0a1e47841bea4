/** Evo discovery: `GET /evo/identity/v2/discovery?service=evo` → the caller's organisations, hubs and services. */
import type { FastifyInstance } from "fastify";
import type { SeequentSeed } from "../../shared/seedSeequent.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { authenticate, hubUrl, queryValue } from "./request.ts";

export const DISCOVERY_SCOPE = "evo.discovery";

/** Routes under the `/evo` prefix. */
export function registerDiscoveryRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  seed: SeequentSeed,
): void {
  app.get("/identity/v2/discovery", async (request) => {
    const caller = await authenticate(request, ctx, DISCOVERY_SCOPE);
    const service = queryValue(request.query, "service");
    const services = seed.services.filter((s) => service === undefined || s.code === service);
    const organizations =
      services.length === 0 ? [] : seed.organizations.filter((o) => o.members.includes(caller.subject));
    const hubCodes = new Set(organizations.map((o) => o.hubCode));
    return {
      discovery: {
        organizations: organizations.map((o) => ({ id: o.id, display_name: o.displayName })),
        hubs: seed.hubs
          .filter((h) => hubCodes.has(h.code))
          .map((h) => ({ code: h.code, display_name: h.displayName, url: hubUrl(ctx, h.code) })),
        services: services.map((s) => ({ code: s.code, display_name: s.displayName })),
        service_access: organizations.map((o) => ({
          org_id: o.id,
          hub_code: o.hubCode,
          services: services.map((s) => s.code),
        })),
      },
    };
  });
}
