import type { FastifyPluginAsync } from "fastify";
import { errorCodeOf } from "../../errors.ts";
import type { AccessTokenResult } from "../../vault/storage.ts";
import { appTokensOf, sendTokenAnswer, tokenResponses } from "./appTokens.ts";
import { requireUser, signedIn } from "../context.ts";

const segment = { type: "string", minLength: 1, maxLength: 200 } as const;
/** The token API's route, for its scope rule and the fast lane that answers a held token (heldTokenLane.ts). */
export const TOKEN_ROUTE = "/api/apps/:app/integrations/:name/token";
/** `minValidity`: whole seconds, at most five digits (then capped at a day). */
export const MIN_VALIDITY = /^[0-9]{1,5}$/;
const MAX_MIN_VALIDITY_SECONDS = 86_400;

/** The asked margin, at most a day; none asked: the vault's default (tokenService.ts). */
export const minValiditySecondsOf = (minValidity: string | undefined): number | undefined =>
  minValidity === undefined ? undefined : Math.min(Number(minValidity), MAX_MIN_VALIDITY_SECONDS);

/** The token API for app code and scripts (in /api/openapi.json, tag "tokens"). */
export const tokenRoutes: FastifyPluginAsync = async (app) => {
  const { metrics } = app;
  const appTokens = appTokensOf(app, () => app.appDirectory);

  app.get<{ Params: { app: string; name: string }; Querystring: { minValidity?: string } }>(
    TOKEN_ROUTE,
    {
      // A held token is mostly answered before Fastify (heldTokenLane.ts); this is every other case.
      preValidation: signedIn,
      schema: {
        tags: ["tokens"],
        summary: "A valid access token for the signed-in user (refreshed first when needed)",
        description:
          "The token is valid for at least `min(minValidity, half the lifetime the provider issues)` seconds: " +
          "a caller's margin never makes a refresh loop against a provider that issues shorter tokens (one " +
          "upstream refresh per expiry). A client-credentials integration answers its service token.",
        params: { type: "object", properties: { app: segment, name: segment }, required: ["app", "name"] },
        querystring: {
          type: "object",
          properties: {
            minValidity: {
              type: "string",
              pattern: MIN_VALIDITY.source,
              description:
                "Seconds the token should stay valid (0–86400, default 60), capped at half the lifetime of the " +
                "token the provider issues",
            },
          },
          additionalProperties: false,
        },
        response: tokenResponses,
      },
    },
    async (request, reply) => {
      // Tokens must never sit in a cache, shared or not, whatever the outcome.
      void reply.header("cache-control", "no-store");
      const user = requireUser(request);
      let token: AccessTokenResult;
      try {
        token = await appTokens.tokenForApp(request.params.app, request.params.name, user.id, {
          minValiditySeconds: minValiditySecondsOf(request.query.minValidity),
        });
      } catch (err) {
        metrics.tokenRequest(errorCodeOf(err) ?? "internal_error");
        throw err;
      }
      metrics.tokenRequest("ok");
      return sendTokenAnswer(reply, token);
    },
  );
};
