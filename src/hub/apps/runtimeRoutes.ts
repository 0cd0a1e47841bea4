import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import { GatehouseError } from "../../errors.ts";
import { appTokensOf, sendTokenAnswer, tokenResponses } from "../tokens/appTokens.ts";
import { jsonSchema } from "../http/schemas.ts";

const runtimeTokenBody = z.strictObject({
  integration: z.string().min(1).max(64),
  minValidity: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .optional()
    .describe(
      "Seconds the token should stay valid (default 60), capped at half the lifetime the provider issues",
    ),
  forceRefresh: z
    .boolean()
    .optional()
    .describe(
      "After a 401: refresh at the provider, once per invocation and integration, and not when the " +
        "connection's token was issued in the last few seconds (then that token is answered)",
    ),
});

/** The capability an app process presents: `X-Gatehouse-Capability`, or `Authorization: Capability <value>`. */
function presentedCapability(request: FastifyRequest): string | null {
  const header = request.headers["x-gatehouse-capability"];
  if (typeof header === "string" && header) return header.trim();
  const match = /^Capability\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1] ?? null;
}

/**
 * The runtime token route: an app process turns its view invocation's capability into the invoking user's
 * token (docs/runtime-protocol.md, "Tokens: the capability exchange"). No cookie or personal access token.
 */
export const runtimeRoutes: FastifyPluginAsync = async (app) => {
  const { invocations } = app;
  // The registry, not the token API's directory: only the apps this hub runs present capabilities here.
  const appTokens = appTokensOf(app, () => app.appRegistry);

  app.post(
    "/api/runtime/token",
    {
      schema: {
        tags: ["apps"],
        summary: "App processes only: exchange a view invocation's capability for the invoking user's token",
        body: jsonSchema(runtimeTokenBody),
        response: tokenResponses,
      },
    },
    async (request, reply) => {
      void reply.header("cache-control", "no-store");
      const presented = presentedCapability(request);
      const grant = presented ? await invocations.verify(presented) : null;
      if (!grant) {
        throw new GatehouseError(
          "invalid_capability",
          "The capability is unknown, expired, or its view invocation has ended",
        );
      }
      const body = runtimeTokenBody.parse(request.body);
      // Once per invocation and integration (a provider that keeps answering 401 cannot make a view refresh
      // in a loop), and at most once per connection every few seconds across hubs (the vault's rule).
      const forced =
        body.forceRefresh === true && invocations.takeForcedRefresh(grant.invocationId, body.integration);
      const token = forced
        ? await appTokens.forcedTokenForApp(grant.app, body.integration, grant.userId)
        : await appTokens.tokenForApp(grant.app, body.integration, grant.userId, {
            minValiditySeconds: body.minValidity,
          });
      return sendTokenAnswer(reply, token);
    },
  );
};
