/**
 * The sign-in and consent pages an emulated authorization server sends users to
 * (`/interaction/:uid`): show the page for the prompt oidc-provider waits at, check the sandbox password,
 * record the consent as a grant, and send the browser on to where oidc-provider resumes.
 */
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import type { InteractionResults } from "oidc-provider";
import { consentPage, errorPage, loginPage } from "./interactionPages.ts";
import { findUserByEmail, findUserById } from "./users.ts";

type InteractionRequest = FastifyRequest<{ Params: { uid: string } }>;

const asString = (value: unknown): string => (typeof value === "string" ? value : "");

/** Registers the interaction routes; `provider()` is null until the server has started. */
export async function registerInteractionRoutes(
  app: FastifyInstance,
  platform: string,
  provider: () => Provider | null,
): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(formbody);

    /**
     * The sign-in this request continues, or undefined when there is none to continue: the server is not
     * started, the interaction cookie is gone, it belongs to another uid, or it waits at another prompt.
     */
    const currentInteraction = async (
      request: InteractionRequest,
      reply: FastifyReply,
      prompt?: "login" | "consent",
    ) => {
      const p = provider();
      if (!p) return undefined;
      let interaction;
      try {
        interaction = await p.interactionDetails(request.raw, reply.raw);
      } catch {
        return undefined;
      }
      if (interaction.uid !== request.params.uid) return undefined;
      if (prompt !== undefined && interaction.prompt.name !== prompt) return undefined;
      return interaction;
    };

    /** Hands the prompt's outcome to oidc-provider and sends the browser on to where it resumes. */
    const finishInteraction = async (
      request: InteractionRequest,
      reply: FastifyReply,
      result: InteractionResults,
      mergeWithLastSubmission: boolean,
    ) => {
      const returnTo = await provider()!.interactionResult(request.raw, reply.raw, result, {
        mergeWithLastSubmission,
      });
      return reply.redirect(returnTo, 303);
    };

    const sessionExpired = (reply: FastifyReply) =>
      reply
        .code(400)
        .type("text/html")
        .send(
          errorPage(
            platform,
            "Sign-in expired",
            "This sign-in page is no longer valid. Go back to the application and start again.",
          ),
        );

    scope.get<{ Params: { uid: string } }>("/interaction/:uid", async (request, reply) => {
      const interaction = await currentInteraction(request, reply);
      if (!interaction) return sessionExpired(reply);
      const clientId = asString(interaction.params.client_id);
      if (interaction.prompt.name === "login") {
        return reply.type("text/html").send(loginPage({ platform, uid: interaction.uid, clientId }));
      }
      const accountId = interaction.session?.accountId ?? "";
      const scopes = asString(interaction.params.scope).split(" ").filter(Boolean);
      return reply.type("text/html").send(
        consentPage({
          platform,
          uid: interaction.uid,
          clientId,
          email: findUserById(accountId)?.email ?? accountId,
          scopes,
        }),
      );
    });

    scope.post<{ Params: { uid: string }; Body: { email?: unknown; password?: unknown } }>(
      "/interaction/:uid/login",
      async (request, reply) => {
        const interaction = await currentInteraction(request, reply, "login");
        if (!interaction) return sessionExpired(reply);
        const email = asString(request.body?.email);
        const password = asString(request.body?.password);
        const user = findUserByEmail(email);
        if (!user || user.password !== password) {
          return reply
            .code(401)
            .type("text/html")
            .send(
              loginPage({
                platform,
                uid: interaction.uid,
                clientId: asString(interaction.params.client_id),
                email,
                error: "The email or password is not right.",
              }),
            );
        }
        return finishInteraction(request, reply, { login: { accountId: user.id } }, false);
      },
    );

    scope.post<{ Params: { uid: string }; Body: { decision?: unknown } }>(
      "/interaction/:uid/consent",
      async (request, reply) => {
        const interaction = await currentInteraction(request, reply, "consent");
        if (!interaction) return sessionExpired(reply);
        const p = provider()!;
        if (asString(request.body?.decision) !== "allow") {
          return finishInteraction(
            request,
            reply,
            { error: "access_denied", error_description: "The user denied access." },
            false,
          );
        }
        const accountId = interaction.session?.accountId;
        const clientId = asString(interaction.params.client_id);
        const grant = interaction.grantId
          ? ((await p.Grant.find(interaction.grantId)) ?? new p.Grant({ accountId, clientId }))
          : new p.Grant({ accountId, clientId });
        const promptDetails = interaction.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(" "));
        if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(" "));
        }
        const grantId = await grant.save();
        return finishInteraction(request, reply, { consent: { grantId } }, true);
      },
    );
  });
}
