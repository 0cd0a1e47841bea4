import type { FastifyPluginAsync } from "fastify";
import { GatehouseError } from "../errors.ts";
import type { AccessTokenResult } from "../vault/tokenService.ts";
import { checkAssignment } from "./assignment.ts";
import { requireUser, signedIn } from "./context.ts";
import { loginPath } from "./connectFlow.ts";
import { problemSchema } from "./schemas.ts";

const tokenSchema = {
  type: "object",
  properties: {
    accessToken: { type: "string" },
    tokenType: { type: "string", enum: ["Bearer"] },
    expiresAt: { type: "string", format: "date-time" },
    scopes: { type: "array", items: { type: "string" } },
  },
  required: ["accessToken", "tokenType", "expiresAt", "scopes"],
} as const;

const segment = { type: "string", minLength: 1, maxLength: 200 } as const;

/** The token API for app code and scripts (CONTRACT §3, "Tokens for app code and scripts"). */
export const tokenRoutes: FastifyPluginAsync = async (app) => {
  const { integrations, tokens, metrics } = app;

  app.get<{ Params: { app: string; name: string }; Querystring: { minValidity?: string } }>(
    "/api/apps/:app/integrations/:name/token",
    {
      preValidation: signedIn,
      schema: {
        tags: ["tokens"],
        summary: "A valid access token for the signed-in user (refreshed first when needed)",
        params: { type: "object", properties: { app: segment, name: segment }, required: ["app", "name"] },
        querystring: {
          type: "object",
          properties: {
            minValidity: {
              type: "string",
              pattern: "^[0-9]{1,5}$",
              description: "Seconds the token must stay valid (0–86400, default 60)",
            },
          },
          additionalProperties: false,
        },
        response: {
          200: tokenSchema,
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      // Tokens must never sit in a cache, shared or not, whatever the outcome.
      void reply.header("cache-control", "no-store");
      const user = requireUser(request);
      const { app: appName, name } = request.params;
      let result: AccessTokenResult;
      try {
        const integration = await integrations.get(name);
        if (!integration) {
          throw new GatehouseError("integration_not_found", `No integration named "${name}"`, 404, {
            integration: name,
          });
        }
        checkAssignment(app.appDirectory, integration, appName);
        const minValiditySeconds = Math.min(Number(request.query.minValidity ?? 60), 86_400);
        result =
          integration.grantType === "client_credentials"
            ? await tokens.getServiceToken(integration, { minValiditySeconds })
            : await tokens.getUserToken(integration, user.id, { minValiditySeconds });
      } catch (err) {
        const code = err instanceof GatehouseError ? err.code : "internal_error";
        metrics.tokenRequest(code);
        if (err instanceof GatehouseError && err.code === "login_required") {
          throw new GatehouseError(err.code, err.message, 401, {
            ...err.details,
            integration: name,
            loginUrl: loginPath(name, appName),
          });
        }
        throw err;
      }
      metrics.tokenRequest("ok");
      return {
        accessToken: result.accessToken,
        tokenType: result.tokenType,
        expiresAt: new Date(result.expiresAt).toISOString(),
        scopes: result.scopes,
      };
    },
  );
};
