/**
 * The routes oidc-provider answers, handed to it raw (body unread) — exactly its routes, so any other
 * path gets the platform's own 404. On the way the emulator does what oidc-provider does differently
 * from the platform:
 * - IMS issues refresh tokens for `offline_access` alone: the authorization request gets `prompt=consent`.
 * - IMS refuses scopes outside the client's (`rejectUnknownScopes`): at the authorization endpoint with
 *   its error page (IdentityServer does not redirect such errors to the client), at the token endpoint
 *   with `invalid_scope`; oidc-provider would drop unknown scopes silently.
 * - Introspection and revocation of JWT access tokens are answered here (`jwtAccessTokens.ts`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuthServerProfile } from "./authorizationServer.ts";
import { authenticateClient } from "./clientAuthentication.ts";
import type { SandboxClients } from "./clients.ts";
import { errorPage } from "./interactionPages.ts";
import { isJwt, type JwtTokenEndpoints } from "./jwtAccessTokens.ts";
import { readBody, replayRequest, writeHtml, writeJson, type JsonAnswer } from "./rawHttp.ts";
import { invalidScopeDescription, scopesNotAllowed } from "./scopePolicy.ts";
import type { StatsCounter } from "./stats.ts";

export const DISCOVERY_PATH = "/.well-known/openid-configuration";

export type ProviderCallback = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface OidcRouteDeps {
  clients: SandboxClients;
  stats: StatsCounter;
  jwtEndpoints: JwtTokenEndpoints;
  /** oidc-provider's request handler; null until the server has started. */
  handle: () => ProviderCallback | null;
}

/** Every path oidc-provider serves for this profile (Fastify route syntax). */
export function oidcPaths(profile: AuthServerProfile): string[] {
  const { authorization, token, revocation, introspection, jwks, end_session } = profile.routes;
  return [
    DISCOVERY_PATH,
    authorization,
    `${authorization}/:uid`,
    token,
    revocation,
    introspection,
    jwks,
    ...(end_session ? [end_session, `${end_session}/confirm`, `${end_session}/success`] : []),
  ];
}

/**
 * oidc-provider drops `offline_access` unless the request also says `prompt=consent` (OpenID Connect
 * Core §11). IMS issues refresh tokens for `offline_access` alone, so the emulator adds the prompt.
 */
function withConsentPromptForOfflineAccess(rawUrl: string): string {
  const url = new URL(rawUrl, "http://emulator.invalid");
  const scopes = (url.searchParams.get("scope") ?? "").split(" ");
  const prompts = (url.searchParams.get("prompt") ?? "").split(" ").filter(Boolean);
  if (!scopes.includes("offline_access") || prompts.includes("consent")) return rawUrl;
  url.searchParams.set("prompt", [...prompts, "consent"].join(" "));
  return `${url.pathname}${url.search}`;
}

const invalidScope = (description: string): JsonAnswer => ({
  status: 400,
  body: { error: "invalid_scope", error_description: description },
});

export async function registerOidcRoutes(
  app: FastifyInstance,
  profile: AuthServerProfile,
  deps: OidcRouteDeps,
): Promise<void> {
  const { routes } = profile;

  /** The refusal for an authorization request with scopes the client may not have, else null. */
  const authorizationScopeRefusal = (rawUrl: string): string | null => {
    const params = new URL(rawUrl, "http://emulator.invalid").searchParams;
    const clientId = params.get("client_id") ?? "";
    const client = deps.clients.metadata(clientId);
    // An unknown client is oidc-provider's to refuse (invalid_client).
    if (!client) return null;
    const refused = scopesNotAllowed(params.get("scope"), client.scope);
    return refused.length ? invalidScopeDescription(refused, clientId) : null;
  };

  /** The refusal for a client-credentials request with scopes the client may not have, else null. */
  const tokenScopeRefusal = (authorization: string | undefined, form: URLSearchParams): JsonAnswer | null => {
    if (form.get("grant_type") !== "client_credentials") return null;
    // A client that does not authenticate gets oidc-provider's invalid_client first.
    const clientId = authenticateClient(deps.clients, authorization, form);
    if (!clientId) return null;
    const refused = scopesNotAllowed(form.get("scope"), deps.clients.metadata(clientId)?.scope);
    return refused.length ? invalidScope(invalidScopeDescription(refused, clientId)) : null;
  };

  const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const handle = deps.handle();
    if (!handle) {
      writeJson(reply.raw, { status: 503, body: { error: "temporarily_unavailable" } });
      return;
    }
    const path = request.url.split("?")[0];
    const rawUrl = request.raw.url ?? request.url;
    if (path === routes.authorization && request.method === "GET") {
      const refusal = profile.rejectUnknownScopes ? authorizationScopeRefusal(rawUrl) : null;
      if (refusal) {
        writeHtml(reply.raw, 400, errorPage(profile.platform, "Sign-in failed", `invalid_scope: ${refusal}`));
        return;
      }
      if (profile.refreshTokens === "offline_access") {
        request.raw.url = withConsentPromptForOfflineAccess(rawUrl);
      }
    }
    const readsBody =
      path === routes.introspection ||
      path === routes.revocation ||
      (path === routes.token && profile.rejectUnknownScopes);
    const isForm = request.headers["content-type"]?.startsWith("application/x-www-form-urlencoded");
    if (request.method !== "POST" || !readsBody || !isForm) {
      void handle(request.raw, reply.raw);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request.raw);
    } catch {
      writeJson(reply.raw, {
        status: 400,
        body: { error: "invalid_request", error_description: "bad body" },
      });
      return;
    }
    const form = new URLSearchParams(body.toString("utf8"));
    const authorization = request.headers.authorization;
    if (path === routes.token) {
      const refusal = tokenScopeRefusal(authorization, form);
      if (!refusal) {
        void handle(replayRequest(request.raw, body), reply.raw);
        return;
      }
      deps.stats.tokenCall(form.get("grant_type") ?? undefined, "error");
      writeJson(reply.raw, refusal);
      return;
    }
    // JWT access tokens are answered here; the rest (refresh tokens) goes to oidc-provider.
    if (!isJwt(form.get("token") ?? "")) {
      void handle(replayRequest(request.raw, body), reply.raw);
      return;
    }
    const answer =
      path === routes.introspection
        ? await deps.jwtEndpoints.introspect(authorization, form)
        : await deps.jwtEndpoints.revoke(authorization, form);
    writeJson(reply.raw, answer);
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    for (const path of oidcPaths(profile)) scope.all(path, handOver);
  });
}
