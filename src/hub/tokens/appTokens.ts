import type { FastifyInstance, FastifyReply } from "fastify";
import { GatehouseError, errors } from "../../errors.ts";
import type { CachedIntegrations } from "../../vault/cachedIntegrations.ts";
import type { Integration } from "../../vault/integrationStore.ts";
import type { AccessTokenResult } from "../../vault/storage.ts";
import type { TokenService } from "../../vault/tokenService.ts";
import { checkAssignment, mayUse } from "./assignment.ts";
import { loginPath } from "../connect/connectFlow.ts";
import type { AppDirectory } from "../context.ts";
import { problemSchema } from "../http/schemas.ts";

export interface AppTokenOptions {
  /** Seconds the token must stay valid (default 60). */
  minValiditySeconds?: number;
}

/**
 * Tokens for app code: the one path from "app X wants integration Y for user Z" to a token, for the token
 * API (scripts, with a personal access token) and the runtime token route (app processes, with a view's
 * capability) alike.
 */
export class AppTokens {
  /** `apps`: which integrations each loaded app lists (read per call); null: an app is known when an
   *  integration names it. */
  constructor(
    private readonly integrations: Pick<CachedIntegrations, "get" | "held">,
    private readonly tokens: TokenService,
    private readonly apps: () => AppDirectory | null,
    /** Told of every token handed out (the audit trail's per-minute issuance counter); cheap, synchronous. */
    private readonly issued?: (app: string, integration: string, userId: string) => void,
  ) {}

  /**
   * `integration`'s token for `userId` (its service token for a client-credentials integration), when
   * `app` may use it. Throws 404 integration_not_found, 403 integration_not_assigned, 401 login_required
   * (with the `loginUrl` that connects it for this app) or 503 provider_unavailable.
   */
  tokenForApp(
    app: string,
    integration: string,
    userId: string,
    options: AppTokenOptions = {},
  ): Promise<AccessTokenResult> {
    const { tokens } = this;
    return this.serve(app, integration, userId, (found) =>
      found.grantType === "client_credentials"
        ? tokens.getServiceToken(found, options)
        : tokens.getUserToken(found, userId, options),
    );
  }

  /**
   * What tokenForApp would answer, when the integration and its token are both held in memory and `app` may
   * use it; null in every other case (not held, to be refreshed, refused), and then ask tokenForApp, which
   * gives the refusal its one answer. Synchronous: the token route's hot path (tokens.ts).
   */
  heldTokenForApp(
    app: string,
    integration: string,
    userId: string,
    options: AppTokenOptions = {},
  ): AccessTokenResult | null {
    const found = this.integrations.held(integration);
    if (!found || !mayUse(this.apps(), found, app)) return null;
    const token = this.tokens.heldToken(found, userId, options);
    if (token) this.issued?.(app, found.name, userId);
    return token;
  }

  /**
   * As tokenForApp, refreshed at the provider first — unless this connection's token was issued within the
   * last few seconds (by another forced refresh, on any hub): an app whose call was answered 401.
   */
  forcedTokenForApp(app: string, integration: string, userId: string): Promise<AccessTokenResult> {
    const { tokens } = this;
    return this.serve(app, integration, userId, (found) =>
      found.grantType === "client_credentials"
        ? tokens.forceRefreshServiceToken(found)
        : tokens.forceRefreshUserToken(found, userId),
    );
  }

  private async serve(
    app: string,
    integration: string,
    userId: string,
    get: (found: Integration) => Promise<AccessTokenResult>,
  ): Promise<AccessTokenResult> {
    const found = await this.integrations.get(integration);
    if (!found) throw errors.integrationNotFound(integration);
    checkAssignment(this.apps(), found, app);
    try {
      const token = await get(found);
      this.issued?.(app, found.name, userId);
      return token;
    } catch (err) {
      if (err instanceof GatehouseError && err.code === "login_required") {
        throw new GatehouseError(err.code, err.message, {
          ...err.details,
          integration,
          loginUrl: loginPath(integration, app),
        });
      }
      throw err;
    }
  }
}

/**
 * The AppTokens of a route plugin: the hub's cached integrations and vault, apps known through `apps`
 * (read per call), and every token counted for the audit trail.
 */
export function appTokensOf(app: FastifyInstance, apps: () => AppDirectory | null): AppTokens {
  return new AppTokens(app.cachedIntegrations, app.tokens, apps, (a, i, u) => app.issuance.count(a, i, u));
}

/** A token as the token routes answer it (`expiresAt` as ISO text). */
export function tokenAnswer(token: AccessTokenResult) {
  return {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    expiresAt: new Date(token.expiresAt).toISOString(),
    scopes: token.scopes,
  };
}

/**
 * Held tokens' answers, serialised once: a held token is one frozen object (vault/heldTokens.ts), so its
 * JSON is made on its first read and goes with it. Escaping a JWT's characters one by one on every read
 * was a tenth of the token route's own CPU.
 */
const answers = new WeakMap<AccessTokenResult, string>();

/** `tokenAnswer(token)` as JSON text (the same fields the 200 schema lists), sent as it is. */
export function tokenAnswerJson(token: AccessTokenResult): string {
  let json = answers.get(token);
  if (json === undefined) {
    json = JSON.stringify(tokenAnswer(token));
    if (Object.isFrozen(token)) answers.set(token, json);
  }
  return json;
}

/** The content type of a token answer, as the route's schema documents it. */
export const TOKEN_CONTENT_TYPE = "application/json; charset=utf-8";

/** Sends a token answer: JSON text already made, with the content type the route's schema documents. */
export function sendTokenAnswer(reply: FastifyReply, token: AccessTokenResult): FastifyReply {
  return reply.type(TOKEN_CONTENT_TYPE).send(tokenAnswerJson(token));
}

/** The JSON schema of `tokenAnswer` (serialization drops anything else). */
const tokenAnswerSchema = {
  type: "object",
  properties: {
    accessToken: { type: "string" },
    tokenType: { type: "string", enum: ["Bearer"] },
    expiresAt: { type: "string", format: "date-time" },
    scopes: { type: "array", items: { type: "string" } },
  },
  required: ["accessToken", "tokenType", "expiresAt", "scopes"],
} as const;

/** What both token routes answer: a token, or the refusals tokenForApp (or the request's checks) make. */
export const tokenResponses = {
  200: tokenAnswerSchema,
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  503: problemSchema,
} as const;
