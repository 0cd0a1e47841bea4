import {
  CapabilityError,
  GatehouseSdkError,
  IntegrationNotAssignedError,
  IntegrationNotFoundError,
  LoginRequiredError,
  ProviderHttpError,
  ProviderUnavailableError,
} from "./errors.ts";
import { INTEGRATION_NAME } from "../names.ts";
import { FORCED_REFRESH_MIN_INTERVAL_MS } from "../vault/renewal.ts";
import { explainProviderError, providerErrorOf } from "./explain.ts";
import { currentInvocation, resolveUrl, type InvocationContext } from "./invocation.ts";

/**
 * Header the SDK sends its capability in. The hub also accepts `Authorization: Capability <value>`; the SDK
 * uses its own header so that the capability can never be mistaken for a personal access token.
 */
export const CAPABILITY_HEADER = "x-gatehouse-capability";
export const RUNTIME_TOKEN_PATH = "/api/runtime/token";

const HUB_TIMEOUT_MS = 15_000;
const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
/** A 429 whose Retry-After is longer than this is not waited for. */
const MAX_RETRY_AFTER_MS = 10_000;
const MAX_429_RETRIES = 3;
/** Cached tokens are reused while valid for at least this long. */
const REUSE_MARGIN_MS = 30_000;

/** An invocation's latest forced refresh of an integration: when it was asked for, and its token. */
interface ForcedRefresh {
  at: number;
  token: Promise<string>;
}
const forcedRefreshes = new WeakMap<InvocationContext, Map<string, ForcedRefresh>>();

export interface IntegrationFetchInit extends RequestInit {
  /** Per-request timeout (default 30 s); ignored when `signal` is given. */
  timeoutMs?: number;
}

function requireInvocation(name: string): InvocationContext {
  const context = currentInvocation();
  if (!context) {
    throw new GatehouseSdkError(
      "outside_invocation",
      `OAuth2Integration("${name}") can only get tokens while a view runs inside the Gatehouse app runtime`,
    );
  }
  return context;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds (or an HTTP date) from Retry-After, in milliseconds; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  }
}

/**
 * An OAuth 2.0 integration the hub's admin assigned to this app, by name (as in gatehouse.config.toml).
 * Tokens come from the hub, for the user who runs the view; the app never sees refresh tokens or secrets.
 */
export class OAuth2Integration {
  constructor(readonly name: string) {
    if (typeof name !== "string" || !INTEGRATION_NAME.test(name)) {
      throw new TypeError(
        `OAuth2Integration: "${String(name)}" is not an integration name (1-64 of a-z 0-9 - _)`,
      );
    }
  }

  /** An access token valid for at least `minValidity` seconds (default 60), for the user running the view. */
  async getAccessToken(options: { minValidity?: number } = {}): Promise<string> {
    const context = requireInvocation(this.name);
    const minValidityMs = (options.minValidity ?? 60) * 1000;
    const cached = context.tokens.get(this.name);
    if (cached && cached.expiresAt - Date.now() >= Math.max(minValidityMs, REUSE_MARGIN_MS))
      return cached.accessToken;
    return this.requestToken(context, { minValidity: options.minValidity });
  }

  /**
   * `fetch` with the bearer token added and the URL passed through `resolveUrl`. A 401 causes one forced
   * refresh (shared by the calls refused within a few seconds) and one retry; a 429 is retried after its Retry-After when that is short (at most 10 s, 3 times);
   * any other non-2xx answer throws ProviderHttpError with the status, the parsed body and an explanation.
   */
  async fetch(url: string | URL, init: IntegrationFetchInit = {}): Promise<Response> {
    const context = requireInvocation(this.name);
    const target = resolveUrl(url);
    const original = new URL(url).href;
    let token = await this.getAccessToken();
    let refreshed = false;
    let rateLimited = 0;
    for (;;) {
      const { timeoutMs, ...rest } = init;
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${token}`);
      let response: Response;
      try {
        response = await fetch(target, {
          ...rest,
          headers,
          redirect: init.redirect ?? "manual",
          signal: init.signal ?? AbortSignal.timeout(timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS),
        });
      } catch (err) {
        const reason =
          (err as Error).name === "TimeoutError" ? "did not answer in time" : "cannot be reached";
        throw new ProviderUnavailableError(this.name, `${new URL(original).host} ${reason}`, { cause: err });
      }
      if (response.ok) return response;
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        const renewed = await this.renewedToken(context, token);
        if (renewed !== null) {
          await response.body?.cancel();
          token = renewed;
          continue;
        }
      }
      if (response.status === 429 && rateLimited < MAX_429_RETRIES) {
        const wait = retryAfterMs(response.headers.get("retry-after")) ?? 1000;
        if (wait <= MAX_RETRY_AFTER_MS) {
          await response.body?.cancel();
          rateLimited += 1;
          await sleep(wait);
          continue;
        }
      }
      if (response.status >= 300 && response.status < 400) return response;
      const body = await readBody(response);
      throw new ProviderHttpError(
        response.status,
        body,
        explainProviderError(response.status, body, original),
        original,
        providerErrorOf(body).code,
      );
    }
  }

  /**
   * The token to retry with after `refused` was answered 401: a forced refresh at most once per integration
   * every few seconds in this invocation (the hub's rule too, src/vault/renewal.ts). Calls refused within
   * that interval share the refresh under way and retry with its token — unless it is the token refused
   * (null: the provider refuses even a fresh token, so retrying cannot help).
   */
  private async renewedToken(context: InvocationContext, refused: string): Promise<string | null> {
    let forced = forcedRefreshes.get(context);
    if (!forced) forcedRefreshes.set(context, (forced = new Map<string, ForcedRefresh>()));
    const last = forced.get(this.name);
    if (last && Date.now() - last.at < FORCED_REFRESH_MIN_INTERVAL_MS) {
      const token = await last.token;
      return token === refused ? null : token;
    }
    const token = this.requestToken(context, { forceRefresh: true });
    forced.set(this.name, { at: Date.now(), token });
    return token;
  }

  private async requestToken(
    context: InvocationContext,
    options: { minValidity?: number; forceRefresh?: boolean },
  ): Promise<string> {
    let response: Response;
    try {
      response = await fetch(new URL(RUNTIME_TOKEN_PATH, context.hubUrl), {
        method: "POST",
        headers: {
          [CAPABILITY_HEADER]: context.capability,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify({
          integration: this.name,
          ...(options.minValidity !== undefined ? { minValidity: options.minValidity } : {}),
          ...(options.forceRefresh ? { forceRefresh: true } : {}),
        }),
        signal: AbortSignal.timeout(HUB_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ProviderUnavailableError(this.name, "The Gatehouse hub cannot be reached for a token", {
        cause: err,
      });
    }
    const body = (await readBody(response)) as Record<string, unknown> | null;
    if (response.ok && body && typeof body.accessToken === "string") {
      const expiresAt =
        typeof body.expiresAt === "number" ? body.expiresAt : Date.parse(String(body.expiresAt));
      context.tokens.set(this.name, {
        accessToken: body.accessToken,
        expiresAt: Number.isNaN(expiresAt) ? 0 : expiresAt,
      });
      return body.accessToken;
    }
    throw this.hubError(response.status, body);
  }

  private hubError(status: number, body: Record<string, unknown> | null): GatehouseSdkError {
    const code = typeof body?.code === "string" ? body.code : null;
    const detail = typeof body?.detail === "string" ? body.detail : undefined;
    switch (code) {
      case "login_required":
        return new LoginRequiredError(
          typeof body?.loginUrl === "string" ? body.loginUrl : "",
          this.name,
          detail,
        );
      case "integration_not_found":
        return new IntegrationNotFoundError(this.name, detail);
      case "integration_not_assigned":
        return new IntegrationNotAssignedError(this.name, detail);
      case "provider_unavailable":
        return new ProviderUnavailableError(this.name, detail);
      case "invalid_capability":
        return new CapabilityError(detail);
      default:
        return new GatehouseSdkError(
          code ?? "token_failed",
          detail ?? `The hub answered ${status} to a token request`,
          status >= 500 ? 502 : status,
        );
    }
  }
}
