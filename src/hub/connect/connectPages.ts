import type { FastifyReply } from "fastify";
import { GatehouseError } from "../../errors.ts";
import { INTEGRATION_NAME } from "../../names.ts";
import { connectPageWords, loginPath, type ConnectAttempt } from "./connectFlow.ts";
import type { AppDirectory } from "../context.ts";
import { loadedApps } from "../integrations/diagnostics.ts";
import { NO_CONTEXT, providerRefusal, sendErrorPage, type ConnectPageContext } from "../http/errorPage.ts";
import { toProblem } from "../http/problem.ts";

/** Who is looking at the page, as far as its links depend on it. */
export interface PageViewer {
  role: string | null;
  /** The apps layer, to name the app the "Back to …" link goes to. */
  appDirectory: AppDirectory | null;
}

/**
 * The error page's ways on for `attempt` (null when the flow failed before it knew one): the same flow
 * again, back where the person came from (a path the hub checked, never the request's word), and for
 * admins the integration's settings.
 */
export function pageContext(attempt: ConnectAttempt | null, viewer: PageViewer): ConnectPageContext {
  if (!attempt) return NO_CONTEXT;
  const { integration, app, returnTo } = attempt;
  const appName = app && INTEGRATION_NAME.test(app) ? app : null;
  const appPath = appName ? `/apps/${encodeURIComponent(appName)}` : null;
  const href = returnTo !== "/" ? returnTo : (appPath ?? "/apps");
  // The label names where the link goes: the app's page, the account page, or the hub.
  const title = appName ? loadedApps(viewer.appDirectory)?.find((a) => a.name === appName)?.title : null;
  const toApp = appPath !== null && (href === appPath || href.startsWith(`${appPath}?`));
  return {
    integration,
    retryUrl: loginPath(integration, appName, returnTo === "/" ? undefined : returnTo),
    back: {
      href,
      label: toApp
        ? `Back to ${title || appName}`
        : href.startsWith("/account")
          ? "Back to your account"
          : "Back to Gatehouse",
    },
    settingsUrl: viewer.role === "admin" ? `/admin/integrations/${encodeURIComponent(integration)}` : null,
  };
}

const short = (value: unknown): string | null =>
  typeof value === "string" && value !== "" ? value.slice(0, 300) : null;

/** issuer_mismatch: both issuers, and where an admin changes the one the integration expects. */
function issuerHints(err: GatehouseError): string[] {
  const expected = short(err.details?.expectedIssuer);
  const received = short(err.details?.receivedIssuer);
  if (!expected) return [];
  return [
    received
      ? `The answer names the issuer ${received}, but this integration expects ${expected}.`
      : `The answer names no issuer, but this integration expects ${expected} to send one.`,
    "The integration's Issuer is set under Advanced settings on its page (Admin → Integrations). When it points at another server than the integration's URLs, an admin corrects it there.",
  ];
}

/**
 * A refusal of the connect flow as the readable page a person sees (the flow runs in a browser, not a
 * program): the provider's own words when it refused, else the flow's words for the code; the stable code;
 * and the ways on that `context` gives.
 */
export function sendConnectPage(
  reply: FastifyReply,
  err: unknown,
  context: ConnectPageContext = NO_CONTEXT,
): FastifyReply {
  const refusal = providerRefusal(err);
  if (refusal) {
    const { status, code, words } = refusal;
    return sendErrorPage(reply, status, code, `The provider said: ${words}.`, context);
  }
  const body = toProblem(err);
  const words = connectPageWords[body.code as keyof typeof connectPageWords];
  const hints = err instanceof GatehouseError && err.code === "issuer_mismatch" ? issuerHints(err) : [];
  return sendErrorPage(reply, body.status, body.code, words ?? body.detail, context, hints);
}
