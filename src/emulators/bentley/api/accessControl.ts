/**
 * Access Control API: the caller's permissions on an iTwin, and the roles defined on it.
 */
import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../../shared/context.ts";
import type { BentleyDirectory } from "./directory.ts";
import { errors } from "./errors.ts";
import { authenticate, checkAcceptVersion } from "./request.ts";

const ACCEPT_VERSIONS = [1, 2];

export function registerAccessControlRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  directory: BentleyDirectory,
): void {
  app.get<{ Params: { id: string } }>("/itwins/:id/permissions", async (request) => {
    checkAcceptVersion(request, ACCEPT_VERSIONS);
    const caller = await authenticate(request, ctx);
    const permissions = directory.permissionsOf(request.params.id, caller.subject);
    if (!permissions) throw errors.iTwinNotFound();
    return { permissions: [...permissions] };
  });

  app.get<{ Params: { id: string } }>("/itwins/:id/roles", async (request) => {
    checkAcceptVersion(request, ACCEPT_VERSIONS);
    const caller = await authenticate(request, ctx);
    if (!directory.roleOf(request.params.id, caller.subject)) throw errors.iTwinNotFound();
    return {
      roles: directory.rolesOf(request.params.id).map((role) => ({
        id: role.id,
        displayName: role.displayName,
        description: role.description,
        permissions: [...role.permissions],
      })),
    };
  });
}
