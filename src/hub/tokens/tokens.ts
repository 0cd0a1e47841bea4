import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { errorCodeOf } from "../../errors.ts";
import type { AccessTokenResult } from "../../vault/storage.ts";
import { appTokensOf, sendTokenAnswer, tokenResponses } from "./appTokens.ts";
import { requireUser, signedIn } from "../context.ts";

const segment = { type: "string", minLength: 1, maxLength: 200 } as const;
/** `minValidity`: whole seconds, at most five digits (then capped at a day). */
const MIN_VALIDITY = /^[0-9]{1,5}$/;
const MAX_MIN_VALIDITY_SECONDS = 86_400;

type TokenRequest = FastifyRequest<{
  Params: { app: string; name: string };
  Querystring: { minValidity?: string };
}>;

/** The asked margin, at most a day; none asked: the vault's default (tokenService.ts). */
const minValiditySecondsOf = (query: { minValidity?: string }): number | undefined =>
  query.minValidity === undefined ? undefined : Math.min(Number(query.minValidity), MAX_MIN_VALIDITY_SECONDS);

/**
 * True when the query is one the schema accepts as it stands: nothing, or a well-formed `minValidity`.
 * Anything else goes through validation, which gives it its 400.
 */
function plainQuery(query: Record<string, unknown>): query is { minValidity?: string } {
  for (const key in query) {
    if (key !== "minValidity") return false;
    const value = query[key];
    if (typeof value !== "string" || !MIN_VALIDITY.test(value)) return false;
  }
  return true;
}

/** The token API for app code and scripts (in /api/openapi.json, tag "tokens"). */
export const tokenRoutes: FastifyPluginAsync = async (app) => {
  const { metrics } = app;
  const appTokens = appTokensOf(app, () => app.appDirectory);

  const answer = (reply: FastifyReply, token: AccessTokenResult): FastifyReply => {
    metrics.tokenRequest("ok");
    return sendTokenAnswer(reply, token);
  };

  /**
   * The hot path (route onRequest, after authentication): a signed-in request with a plain query, whose
   * integration and token are both held and which the app may use, is answered here. Everything else —
   * a miss, a refresh, a refusal, a query to validate — goes on to validation and the handler below, which
   * give it its one answer. Fastify's later stages were about a quarter of a warm read's time in the
   * token_api bench (docs/architecture.md, "A token's path").
   */
  const answerHeld = (request: TokenRequest, reply: FastifyReply, done: () => void): void => {
    const user = request.user;
    const query = request.query;
    const token =
      user && plainQuery(query)
        ? appTokens.heldTokenForApp(request.params.app, request.params.name, user.id, {
            minValiditySeconds: minValiditySecondsOf(query),
          })
        : null;
    if (token === null) {
      done();
      return;
    }
    // Tokens must never sit in a cache, shared or not, whatever the outcome.
    void reply.header("cache-control", "no-store");
    answer(reply, token);
  };

  app.get<{ Params: { app: string; name: string }; Querystring: { minValidity?: string } }>(
    "/api/apps/:app/integrations/:name/token",
    {
      onRequest: answerHeld,
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
      void reply.header("cache-control", "no-store");
      const user = requireUser(request);
      let token: AccessTokenResult;
      try {
        token = await appTokens.tokenForApp(request.params.app, request.params.name, user.id, {
          minValiditySeconds: minValiditySecondsOf(request.query),
        });
      } catch (err) {
        metrics.tokenRequest(errorCodeOf(err) ?? "internal_error");
        throw err;
      }
      return answer(reply, token);
    },
  );
};
