import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { APP_NAME, INTEGRATION_NAME } from "../../names.ts";
import type { AccessLog } from "../http/accessLog.ts";
import { API_CACHE_CONTROL, API_CONTENT_TYPE_OPTIONS } from "../http/apiHeaders.ts";
import type { HubMetrics } from "../http/metrics.ts";
import { bearerToken } from "../identity/auth.ts";
import type { CredentialCache } from "../identity/credentialCache.ts";
import { patRefusal } from "../identity/patScopes.ts";
import { TOKEN_CONTENT_TYPE, tokenAnswerJson, type AppTokens } from "./appTokens.ts";
import { MIN_VALIDITY, TOKEN_ROUTE, minValiditySecondsOf } from "./tokens.ts";

/**
 * The token route's fast lane: a warm token read answered before Fastify sees the request. It answers only
 * what the route would answer 200 from memory, and hands everything else to Fastify untouched — a miss, a
 * refresh, every refusal, anything unusual in the request. So it has no error path of its own, and every
 * rule it applies is the route's own, imported: the name patterns, the `minValidity` pattern, the bearer
 * header, the personal access token's scope rule, the assignment check and the renewal rule.
 *
 * Why: Fastify's routing, hooks and reply were most of a warm read's own time, and the token_api bench
 * holds the hub to 0.8 of a bare Fastify route (docs/architecture.md, "A token's path").
 */

/** A whole-string pattern (`^…$`) without its anchors, to embed in a larger one. */
const inner = (pattern: RegExp) => pattern.source.slice(1, -1);

/** The route's URL, as the router would read it, with nothing that needs decoding or validating. */
const TOKEN_URL = new RegExp(
  "^" +
    TOKEN_ROUTE.replace(":app", `(${inner(APP_NAME)})`).replace(":name", `(${inner(INTEGRATION_NAME)})`) +
    `(?:\\?minValidity=(${inner(MIN_VALIDITY)}))?$`,
);

export interface TokenUrl {
  app: string;
  name: string;
  minValidity: string | undefined;
}

/** The app, integration and `minValidity` of a plain token-route URL; null for any other URL. */
export function parseTokenUrl(url: string): TokenUrl | null {
  const match = TOKEN_URL.exec(url);
  return match ? { app: match[1]!, name: match[2]!, minValidity: match[3] } : null;
}

export interface HeldTokenLaneDeps {
  credentials: Pick<CredentialCache, "heldPersonalAccessToken">;
  appTokens: Pick<AppTokens, "heldTokenForApp">;
  metrics: Pick<HubMetrics, "tokenRequest">;
  accessLog: Pick<AccessLog, "perRequest" | "answered">;
  /** True once the hub is closing: Fastify then ends each connection (or answers 503). */
  closing: () => boolean;
}

export class HeldTokenLane {
  constructor(private readonly deps: HeldTokenLaneDeps) {}

  /** Answers `req` and returns true when its token is held and may be given; false: Fastify's request. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    // Every request asks: the URL first, so the others (the UI's files, the rest of the API) pay one match.
    if (req.method !== "GET" || req.url === undefined) return false;
    const url = parseTokenUrl(req.url);
    if (!url) return false;
    const start = performance.now();
    const { deps } = this;
    if (deps.closing() || deps.accessLog.perRequest) return false;
    // A body is Fastify's to parse or refuse.
    const { headers } = req;
    if (headers["content-length"] !== undefined || headers["transfer-encoding"] !== undefined) return false;
    const presented = bearerToken(headers.authorization);
    if (!presented) return false;
    const credential = deps.credentials.heldPersonalAccessToken(presented);
    if (!credential) return false;
    const routed = {
      method: "GET",
      params: { app: url.app, name: url.name },
      routeOptions: { url: TOKEN_ROUTE },
    };
    if (patRefusal(credential.token, routed) !== null) return false;
    const token = deps.appTokens.heldTokenForApp(url.app, url.name, credential.user.id, {
      minValiditySeconds: minValiditySecondsOf(url.minValidity),
    });
    if (token === null) return false;

    const body = tokenAnswerJson(token);
    deps.metrics.tokenRequest("ok");
    res.writeHead(200, {
      "content-type": TOKEN_CONTENT_TYPE,
      "content-length": Buffer.byteLength(body),
      "cache-control": API_CACHE_CONTROL,
      "x-content-type-options": API_CONTENT_TYPE_OPTIONS,
    });
    res.end(body);
    deps.accessLog.answered(200, performance.now() - start);
    return true;
  }
}
