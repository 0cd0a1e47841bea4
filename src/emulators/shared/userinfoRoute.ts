/**
 * The userinfo endpoint, served by the emulator rather than oidc-provider (whose userinfo refuses access
 * tokens minted for an API audience, which is every token here). What it answers and how it refuses
 * differs per platform, so that comes in as a profile: IMS answers the claims of the granted OpenID
 * Connect scopes and wants `openid`; APS answers its profile fields to any three-legged token.
 */
import type { FastifyInstance } from "fastify";
import { AccessTokenError, type VerifiedToken, type VerifyAccessToken } from "./accessToken.ts";
import { findUserById, type EmulatorUser } from "./users.ts";

export type UserinfoProblem = "invalid_token" | "insufficient_scope";

export interface UserinfoRefusal {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface UserinfoProfile {
  /** Where the endpoint lives on the emulator. */
  path: string;
  /** A scope the token must carry (IMS: `openid`); null: any user token. */
  requiredScope: string | null;
  /** The answer for `user`, given the token's scopes. */
  body(user: EmulatorUser, token: VerifiedToken): Record<string, unknown>;
  /** How the platform words a refusal. */
  refuse(problem: UserinfoProblem, description: string): UserinfoRefusal;
}

/** Mounts `GET <profile.path>` on `app`. */
export function registerUserinfoRoute(
  app: FastifyInstance,
  profile: UserinfoProfile,
  verifyAccessToken: VerifyAccessToken,
): void {
  app.get(profile.path, async (request, reply) => {
    const refuse = (problem: UserinfoProblem, description: string) => {
      const refusal = profile.refuse(problem, description);
      return reply
        .code(refusal.status)
        .headers({ "cache-control": "no-store", ...refusal.headers })
        .send(refusal.body);
    };
    let token: VerifiedToken;
    try {
      token = await verifyAccessToken(request.headers.authorization);
    } catch (error) {
      return refuse("invalid_token", error instanceof AccessTokenError ? error.message : "invalid token");
    }
    if (profile.requiredScope !== null && !token.scopes.includes(profile.requiredScope)) {
      return refuse("insufficient_scope", `userinfo needs a token with the '${profile.requiredScope}' scope`);
    }
    const user = token.isService ? undefined : findUserById(token.subject);
    if (!user) return refuse("invalid_token", "userinfo needs a user's (three-legged) access token");
    return reply.header("cache-control", "no-store").send(profile.body(user, token));
  });
}
