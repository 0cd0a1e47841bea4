import { callbackUrl, type HubConfig } from "../../config/index.ts";
import { GatehouseError, errors, type ErrorCode } from "../../errors.ts";
import {
  buildAuthorizationUrl,
  exchangeCode,
  lookupAccount,
  OAuthError,
  validateCallback,
  type AccountLookupOptions,
  type OAuthClientConfig,
} from "../../oauth/index.ts";
import type { Integration, IntegrationStore } from "../../vault/integrationStore.ts";
import type { OAuthStateStore } from "../../vault/oauthStates.ts";
import type { TokenService } from "../../vault/tokenService.ts";
import { checkAssignment } from "../tokens/assignment.ts";
import type { AppDirectory } from "../context.ts";
import type { IssuerMetadata } from "./issuerMetadata.ts";
import type { HubMetrics } from "../http/metrics.ts";
import { requestScopes } from "./oauthConfig.ts";
import { safeReturnTo } from "./returnTo.ts";

export { HUB_ORIGIN, safeReturnTo } from "./returnTo.ts";

export const LOGIN_PATH = "/api/integrations/oauth2/login";
export const CALLBACK_PATH = "/api/integrations/oauth2/callback/";

/** The connect link for an integration (what `loginUrl` in a 401 login_required points at). */
export function loginPath(integration: string, app?: string | null, returnTo?: string): string {
  const query = new URLSearchParams();
  if (app) query.set("app", app);
  if (returnTo) query.set("returnTo", returnTo);
  const qs = query.toString();
  return `${LOGIN_PATH}/${encodeURIComponent(integration)}${qs ? `?${qs}` : ""}`;
}

/** Words for the person looking at the connect flow's pages, by code. */
export const connectPageWords: Partial<Record<ErrorCode, string>> = {
  state_missing:
    "The sign-in answer did not say which connection attempt it belongs to. Start connecting again.",
  state_invalid:
    "This sign-in answer does not belong to a connection attempt started in this browser, or it was already used. Start connecting again.",
  state_expired: "The connection attempt took longer than 10 minutes. Start connecting again.",
  session_required: "Sign in to Gatehouse in this browser first, then connect again.",
  state_mismatch: "The sign-in answer does not match the connection attempt. Start connecting again.",
  issuer_mismatch: "The sign-in answer did not come from the provider this integration trusts.",
  integration_not_found: "The integration no longer exists.",
  invalid_grant:
    "The provider did not accept the sign-in (the code was used, expired or did not match). Start connecting again.",
};

const refused = (code: ErrorCode): GatehouseError => new GatehouseError(code, connectPageWords[code] ?? code);

/**
 * validateCallback, with a malformed callback (no code, garbage parameters) reported as the caller's fault
 * (400 invalid_callback): the engine calls it an invalid provider response, but the browser brought it.
 */
function checkCallback(cfg: OAuthClientConfig, url: URL, state: string): URLSearchParams {
  let params: URLSearchParams;
  try {
    params = validateCallback(cfg, url, state);
  } catch (err) {
    if (err instanceof OAuthError && err.code === "invalid_provider_response") {
      throw new GatehouseError(
        "invalid_callback",
        "The sign-in answer is malformed. Start connecting again.",
      );
    }
    // `error=` in the callback: what the provider told the browser, whatever its code, is a 400 page.
    if (err instanceof OAuthError && err.details?.providerError !== undefined) {
      throw new GatehouseError(err.code, err.message, err.details, { status: 400 });
    }
    throw err;
  }
  // One code, exactly: the token request would refuse a second one, and that is the browser's doing too.
  const codes = params.getAll("code");
  if (codes.length !== 1 || !codes[0]) {
    throw new GatehouseError(
      "invalid_callback",
      codes.length > 1
        ? "The sign-in answer carries more than one authorization code. Start connecting again."
        : "The sign-in answer has no authorization code. Start connecting again.",
    );
  }
  return params;
}

export interface ConnectFlowOptions {
  config: Pick<HubConfig, "publicUrl">;
  integrations: IntegrationStore;
  states: OAuthStateStore;
  tokens: TokenService;
  metrics: Pick<HubMetrics, "upstreamLatency">;
  oauthConfigFor: (integration: Integration) => OAuthClientConfig;
  /** The issuers' own metadata (RFC 9207 `iss`); without it only the presets' quirks decide. */
  issuerMetadata?: IssuerMetadata;
  /** Read per connect: the apps layer's answer about which app may use what. */
  appDirectory: () => AppDirectory | null;
  now: () => number;
}

/**
 * The attempt a step works on, once the flow knows it (the integration found; on the callback, the state
 * consumed): what the error pages need for "Try again" and "Back to …". `returnTo` is the checked path.
 */
export interface ConnectAttempt {
  integration: string;
  app: string | null;
  returnTo: string;
}

/** Told the attempt as soon as it is known, so that a refusal after that point can name it. */
export type AttemptListener = (attempt: ConnectAttempt) => void;

/** Who starts connecting, and from where. */
export interface ConnectStart {
  /** The browser session (null when signed in another way: only a browser can connect). */
  sessionId: string | null;
  userId: string;
  integration: string;
  app: string | null;
  returnTo: unknown;
  onAttempt?: AttemptListener;
}

/** The provider's answer as the browser brought it back. */
export interface ConnectCallback {
  url: URL;
  sessionId: string | null;
  userId: string | null;
  onAttempt?: AttemptListener;
  /** Where the account lookup (userinfo) says why it named nobody; it never fails the connect. */
  log?: AccountLookupOptions["log"];
}

/**
 * The connect flow (authorization code, RFC 6749 §4.1 with PKCE and state as RFC 9700 asks), apart from
 * HTTP: `startConnect` gives the provider URL to send the browser to, `finishConnect` checks the callback,
 * exchanges the code and stores the connection with the provider account it names. Every refusal is a GatehouseError whose code the pages
 * explain (`connectPageWords`).
 */
export class ConnectFlow {
  constructor(private readonly options: ConnectFlowOptions) {}

  async startConnect(start: ConnectStart): Promise<{ location: string; integration: Integration }> {
    const { integrations, states, config, oauthConfigFor } = this.options;
    if (!start.sessionId) throw refused("session_required");
    const integration = await integrations.get(start.integration);
    if (!integration) throw errors.integrationNotFound(start.integration);
    if (integration.grantType !== "authorization_code") {
      throw errors.grantMismatch(
        integration.name,
        `${integration.name} uses a service identity (client credentials); there is no account to connect`,
      );
    }
    const returnTo = safeReturnTo(start.returnTo);
    start.onAttempt?.({ integration: integration.name, app: start.app, returnTo });
    if (start.app !== null) checkAssignment(this.options.appDirectory(), integration, start.app);
    const redirectUri = callbackUrl(config);
    const cfg = oauthConfigFor(integration);
    // Read the issuer's metadata now, so the callback finds it cached.
    if (cfg.issuer) void this.options.issuerMetadata?.facts(cfg.issuer, cfg.allowInsecureHttp === true);
    const started = await buildAuthorizationUrl(cfg, {
      redirectUri,
      scopes: requestScopes(integration),
      pkce: true,
    });
    await states.save(started.state, {
      sessionId: start.sessionId,
      userId: start.userId,
      integrationId: integration.id,
      app: start.app,
      returnTo,
      codeVerifier: started.codeVerifier,
      nonce: started.nonce,
      redirectUri,
    });
    return { location: started.url, integration };
  }

  async finishConnect(
    callback: ConnectCallback,
  ): Promise<{ returnTo: string; integration: Integration; userId: string }> {
    const { integrations, states, tokens, metrics, now } = this.options;
    const { url } = callback;
    const stateValues = url.searchParams.getAll("state");
    if (stateValues.length === 0) {
      const error = url.searchParams.get("error");
      // A provider error without state cannot be tied to an attempt; still say what the provider said.
      if (error !== null) {
        throw new OAuthError("access_denied", "The provider refused", { providerError: error.slice(0, 100) });
      }
      throw refused("state_missing");
    }
    const state = stateValues[0];
    if (stateValues.length > 1 || !state) throw refused("state_invalid");
    if (!callback.sessionId || !callback.userId) throw refused("session_required");

    const pending = await states.consume(state, callback.sessionId);
    if (!pending) throw refused("state_invalid");
    if (pending.expiresAt <= now()) throw refused("state_expired");
    const integration = await integrations.getById(pending.integrationId);
    // Deleted since the flow started; the page words it for the person (connectPageWords).
    if (!integration) throw errors.integrationNotFound(pending.integrationId);
    callback.onAttempt?.({ integration: integration.name, app: pending.app, returnTo: pending.returnTo });

    const cfg = await this.callbackConfig(integration);
    const params = checkCallback(cfg, url, state);
    const started = now();
    const tokenSet = await exchangeCode(cfg, params, {
      redirectUri: pending.redirectUri,
      codeVerifier: pending.codeVerifier,
      nonce: pending.nonce,
      scopes: requestScopes(integration),
    });
    metrics.upstreamLatency((now() - started) / 1000, "code_exchange");
    // Which provider account this is, for people to read: best effort, never a reason to fail.
    const account = await lookupAccount(cfg, tokenSet, { log: callback.log });
    await tokens.saveConnection(integration, pending.userId, tokenSet, account);
    return { returnTo: pending.returnTo, integration, userId: pending.userId };
  }

  /**
   * The config a callback is checked with: `iss` is required when the preset says the provider always
   * sends it, or when the provider's own metadata advertises it (RFC 9207 §3).
   */
  private async callbackConfig(integration: Integration): Promise<OAuthClientConfig> {
    const cfg = this.options.oauthConfigFor(integration);
    if (!cfg.issuer || cfg.requireIssInAuthResponse || !this.options.issuerMetadata) return cfg;
    const facts = await this.options.issuerMetadata.facts(cfg.issuer, cfg.allowInsecureHttp === true);
    return facts?.requireIssInAuthResponse ? { ...cfg, requireIssInAuthResponse: true } : cfg;
  }
}
