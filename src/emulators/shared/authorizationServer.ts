/**
 * An emulated authorization server: an oidc-provider instance mounted on the emulator's Fastify app,
 * plus the sign-in and consent pages it sends users to. What differs between Bentley IMS and Autodesk
 * APS (paths, scopes, refresh-token policy, token claims, discovery extras) comes in as a profile.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from "jose";
import Provider, {
  errors as oidcErrors,
  type Configuration,
  type InteractionResults,
  type KoaContextWithOIDC,
} from "oidc-provider";
import { AccessTokenError, type VerifyAccessToken } from "./accessToken.ts";
import { memoryAdapterFactory, type ClientProfile, type SandboxClients } from "./clients.ts";
import { consentPage, errorPage, loginPage } from "./interactionPages.ts";
import {
  isJwt,
  jwtTokenEndpoints,
  readBody,
  replayRequest,
  RevokedAccessTokens,
  type JsonAnswer,
} from "./jwtAccessTokens.ts";
import type { EmulatorKnobs } from "./knobs.ts";
import type { StatsCounter } from "./stats.ts";
import { createTokenVerifier } from "./tokenVerifier.ts";
import { findUserByEmail, findUserById } from "./users.ts";

export interface AuthRoutes {
  authorization: string;
  token: string;
  revocation: string;
  introspection: string;
  jwks: string;
  /** Served by the emulator itself: oidc-provider's userinfo refuses tokens minted for an API audience. */
  userinfo?: string;
  end_session?: string;
}

export interface AuthServerProfile extends ClientProfile {
  /** Shown on the sign-in and consent pages. */
  platform: string;
  routes: AuthRoutes;
  /** Path prefixes oidc-provider answers (besides discovery and the JWKS). */
  prefixes: string[];
  /** The audience of every access token (the one resource server behind this authorization server). */
  resource: string;
  /** Scopes that end up in access tokens (the rest are OpenID Connect scopes). */
  apiScopes: readonly string[];
  /** OpenID Connect scope → claims, as oidc-provider's `claims` setting. */
  claims: Record<string, string[]>;
  /** `offline_access`: refresh tokens only when that scope is granted; `always`: on every code exchange. */
  refreshTokens: "offline_access" | "always";
  authorizationCodeTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Extra claims of user access tokens, in the JWT and in introspection answers. */
  extraUserTokenClaims?(accountId: string): Record<string, unknown>;
  /** Adjusts the access-token JWT payload (e.g. `scope` as an array). */
  customizeAccessToken(payload: Record<string, unknown>, kind: string): void;
  /** Extra fields in the discovery document. */
  discoveryExtras(issuer: string): Record<string, unknown>;
}

/** Which part of the server a request path belongs to (for knobs and stats). */
export type AuthPathKind = "token" | "revocation" | "introspection" | "auth";

export interface AuthorizationServer {
  /** Creates the provider once the base URL is known (after listen). */
  start(issuer: string): void;
  classify(path: string): AuthPathKind | null;
  verifyAccessToken: VerifyAccessToken;
  jwks: JSONWebKeySet;
}

const DISCOVERY_PATH = "/.well-known/openid-configuration";

/** The organization every sandbox user belongs to (the `organization` scope's claims). */
const SANDBOX_ORG = { id: "sandbox-org", name: "Sandbox Organization" };

async function signingKeys(): Promise<{ privateJwk: JWK; publicJwks: JSONWebKeySet }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomBytes(8).toString("hex");
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { privateJwk, publicJwks: { keys: [publicJwk] } };
}

function asString(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function writeJson(res: ServerResponse, answer: JsonAnswer): void {
  const headers: Record<string, string> = { "cache-control": "no-store", ...answer.headers };
  if (answer.body === undefined) {
    res.writeHead(answer.status, { ...headers, "content-length": "0" });
    res.end();
    return;
  }
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(payload)),
  });
  res.end(payload);
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

/**
 * Registers the authorization server's routes on `app` (call before listen) and returns a handle whose
 * `start(issuer)` creates the provider once the emulator knows its own URL.
 */
export async function mountAuthorizationServer(
  app: FastifyInstance,
  profile: AuthServerProfile,
  deps: { knobs: EmulatorKnobs; stats: StatsCounter; clients: SandboxClients },
): Promise<AuthorizationServer> {
  const { privateJwk, publicJwks } = await signingKeys();
  const cookieKeys = [randomBytes(32).toString("base64url")];
  let provider: Provider | null = null;
  let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  let issuer = "";

  const { userinfo: userinfoPath, ...oidcRoutes } = profile.routes;
  const revoked = new RevokedAccessTokens();
  const verifyAccessToken = createTokenVerifier({
    issuer: () => issuer,
    jwks: publicJwks,
    isRevoked: (jti) => revoked.has(jti),
  });
  const jwtEndpoints = jwtTokenEndpoints({
    clients: deps.clients,
    jwks: publicJwks,
    issuer: () => issuer,
    revoked,
  });

  const configuration = (): Configuration => ({
    adapter: memoryAdapterFactory(deps.clients),
    clients: [],
    jwks: { keys: [privateJwk] },
    cookies: { keys: cookieKeys },
    routes: oidcRoutes,
    responseTypes: ["code"],
    scopes: [...new Set([...profile.userScopes, ...profile.serviceScopes])],
    claims: profile.claims,
    findAccount: async (_ctx, sub) => {
      const user = findUserById(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({
          sub: user.id,
          email: user.email,
          email_verified: true,
          name: `${user.givenName} ${user.familyName}`,
          given_name: user.givenName,
          family_name: user.familyName,
          preferred_username: user.email,
          org: SANDBOX_ORG.id,
          org_name: SANDBOX_ORG.name,
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      clientCredentials: { enabled: true },
      // A client may introspect and revoke its own tokens only; a public client nothing else either.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: profile.routes.end_session !== undefined },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => profile.resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== profile.resource) throw new oidcErrors.InvalidTarget();
          return {
            scope: profile.apiScopes.join(" "),
            audience: profile.resource,
            accessTokenFormat: "jwt",
            accessTokenTTL: deps.knobs.accessTokenLifetimeSeconds,
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    ttl: {
      AccessToken: () => deps.knobs.accessTokenLifetimeSeconds,
      ClientCredentials: () => deps.knobs.accessTokenLifetimeSeconds,
      AuthorizationCode: () =>
        deps.knobs.authorizationCodeLifetimeSeconds ?? profile.authorizationCodeTtlSeconds,
      RefreshToken: profile.refreshTokenTtlSeconds,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    extraTokenClaims: async (_ctx, token) =>
      "accountId" in token && typeof token.accountId === "string"
        ? profile.extraUserTokenClaims?.(token.accountId)
        : undefined,
    // Tokens live on their own; the emulator's browser session is only for the sign-in pages.
    expiresWithSession: async () => false,
    rotateRefreshToken: () => deps.knobs.refreshRotation,
    ...(profile.refreshTokens === "always"
      ? { issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token") }
      : {}),
    formats: {
      customizers: {
        jwt: async (_ctx, token, jwt) => {
          profile.customizeAccessToken(jwt.payload, token.kind);
        },
      },
    },
    discovery: {
      ...(profile.routes.userinfo ? { userinfo_endpoint: `${issuer}${profile.routes.userinfo}` } : {}),
      ...profile.discoveryExtras(issuer),
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage(
        profile.platform,
        "Sign-in failed",
        `${asString(out.error)}: ${asString(out.error_description)}`,
      );
    },
  });

  // ---- oidc-provider routes: handed over raw, with the body unread ----
  const paths = [
    ...profile.prefixes.map((p) => `${p}/*`),
    DISCOVERY_PATH,
    ...(profile.routes.jwks.startsWith(`${DISCOVERY_PATH}/`) ? [profile.routes.jwks] : []),
  ];
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      if (!handle) {
        writeJson(reply.raw, { status: 503, body: { error: "temporarily_unavailable" } });
        return;
      }
      const path = request.url.split("?")[0];
      if (profile.refreshTokens === "offline_access" && path === profile.routes.authorization) {
        request.raw.url = withConsentPromptForOfflineAccess(request.raw.url ?? request.url);
      }
      const isTokenQuery = path === oidcRoutes.introspection || path === oidcRoutes.revocation;
      const isForm = request.headers["content-type"]?.startsWith("application/x-www-form-urlencoded");
      if (request.method !== "POST" || !isTokenQuery || !isForm) {
        void handle(request.raw, reply.raw);
        return;
      }
      // JWT access tokens are answered here (see jwtAccessTokens.ts); the rest goes to oidc-provider.
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
      if (!isJwt(form.get("token") ?? "")) {
        void handle(replayRequest(request.raw, body), reply.raw);
        return;
      }
      const answer =
        path === oidcRoutes.introspection
          ? await jwtEndpoints.introspect(request.headers.authorization, form)
          : await jwtEndpoints.revoke(request.headers.authorization, form);
      writeJson(reply.raw, answer);
    };
    for (const path of paths) scope.all(path, handOver);
  });

  // ---- userinfo: the signed-in user's claims for a user access token ----
  if (userinfoPath) {
    app.get(userinfoPath, async (request, reply) => {
      let token;
      try {
        token = await verifyAccessToken(request.headers.authorization);
      } catch (error) {
        const description = error instanceof AccessTokenError ? error.message : "invalid token";
        return reply
          .code(401)
          .header("www-authenticate", `Bearer error="invalid_token", error_description="${description}"`)
          .send({ error: "invalid_token", error_description: description });
      }
      const user = token.isService ? undefined : findUserById(token.subject);
      if (!user) {
        return reply
          .code(403)
          .send({ error: "insufficient_scope", error_description: "userinfo needs a user's access token" });
      }
      return {
        sub: user.id,
        name: `${user.givenName} ${user.familyName}`,
        given_name: user.givenName,
        family_name: user.familyName,
        preferred_username: user.email,
        email: user.email,
        email_verified: true,
        org: SANDBOX_ORG.id,
        org_name: SANDBOX_ORG.name,
      };
    });
  }

  // ---- sign-in and consent pages ----
  await app.register(async (scope) => {
    await scope.register(formbody);

    type InteractionRequest = FastifyRequest<{ Params: { uid: string } }>;

    /**
     * The sign-in this request continues, or undefined when there is none to continue: the server is not
     * started, the interaction cookie is gone, it belongs to another uid, or it waits at another prompt.
     */
    const currentInteraction = async (
      request: InteractionRequest,
      reply: FastifyReply,
      prompt?: "login" | "consent",
    ) => {
      if (!provider) return undefined;
      let interaction;
      try {
        interaction = await provider.interactionDetails(request.raw, reply.raw);
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
      const returnTo = await provider!.interactionResult(request.raw, reply.raw, result, {
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
            profile.platform,
            "Sign-in expired",
            "This sign-in page is no longer valid. Go back to the application and start again.",
          ),
        );

    scope.get<{ Params: { uid: string } }>("/interaction/:uid", async (request, reply) => {
      const interaction = await currentInteraction(request, reply);
      if (!interaction) return sessionExpired(reply);
      const clientId = asString(interaction.params.client_id);
      if (interaction.prompt.name === "login") {
        return reply
          .type("text/html")
          .send(loginPage({ platform: profile.platform, uid: interaction.uid, clientId }));
      }
      const accountId = interaction.session?.accountId ?? "";
      const scopes = asString(interaction.params.scope).split(" ").filter(Boolean);
      return reply.type("text/html").send(
        consentPage({
          platform: profile.platform,
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
                platform: profile.platform,
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
        const p = provider!;
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

  const classify = (path: string): AuthPathKind | null => {
    if (path === profile.routes.token) return "token";
    if (path === profile.routes.revocation) return "revocation";
    if (path === profile.routes.introspection) return "introspection";
    if (
      path === DISCOVERY_PATH ||
      path === profile.routes.jwks ||
      path.startsWith("/interaction/") ||
      profile.prefixes.some((p) => path.startsWith(`${p}/`))
    ) {
      return "auth";
    }
    return null;
  };

  const grantTypeOf = (ctx: KoaContextWithOIDC) => asString(ctx.oidc?.params?.grant_type);

  return {
    start(baseUrl) {
      issuer = baseUrl;
      provider = new Provider(baseUrl, configuration());
      provider.on("grant.success", (ctx: KoaContextWithOIDC) => {
        deps.stats.tokenCall(grantTypeOf(ctx), "ok");
      });
      provider.on("grant.error", (ctx: KoaContextWithOIDC) => {
        deps.stats.tokenCall(grantTypeOf(ctx), "error");
      });
      // Koa logs unhandled errors to stderr by default; oidc-provider has already answered them.
      provider.on("server_error", (_ctx: KoaContextWithOIDC, error: Error) => {
        process.stderr.write(`${profile.platform} emulator: ${error.message}\n`);
      });
      handle = provider.callback();
    },
    classify,
    verifyAccessToken,
    jwks: publicJwks,
  };
}
