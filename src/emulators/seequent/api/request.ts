/** Bearer token and scope checks for the Evo APIs, and where the seeded hub is served. */
import type { FastifyRequest } from "fastify";
import { verifyBearer, type VerifiedToken } from "../../shared/accessToken.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { errors } from "./errors.ts";

export async function authenticate(
  request: FastifyRequest,
  ctx: EmulatorContext,
  scope: string,
): Promise<VerifiedToken> {
  return verifyBearer(request.headers.authorization, ctx.verifyAccessToken, scope, {
    missing: errors.missingToken,
    rejected: (expired) =>
      errors.invalidToken(expired ? "The access token has expired." : "The access token is invalid."),
    missingScope: () => errors.insufficientScope(scope),
  });
}

/**
 * The public URL of the seeded hub: `hubUrls.seequent` when the composition knows it, else this emulator's
 * own base URL (the one seeded hub is served by the emulator that serves discovery).
 */
export function hubUrl(ctx: EmulatorContext, _code: string): string {
  return (ctx.hubUrls?.seequent ?? ctx.baseUrl).replace(/\/+$/, "");
}

export function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}
