/** Bearer token and scope checks for the Evo APIs, and where the seeded hub is served. */
import type { FastifyRequest } from "fastify";
import { AccessTokenError, type VerifiedToken } from "../../shared/accessToken.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { errors } from "./errors.ts";

export async function authenticate(
  request: FastifyRequest,
  ctx: EmulatorContext,
  scope: string,
): Promise<VerifiedToken> {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === "") throw errors.missingToken();
  let token: VerifiedToken;
  try {
    token = await ctx.verifyAccessToken(header);
  } catch (err) {
    if (err instanceof AccessTokenError) {
      if (err.problem === "missing") throw errors.missingToken();
      throw errors.invalidToken(
        err.problem === "expired" ? "The access token has expired." : "The access token is invalid.",
      );
    }
    throw err;
  }
  if (!token.scopes.includes(scope)) throw errors.insufficientScope(scope);
  return token;
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
