import { randomBytes } from "node:crypto";
import type { FastifyReply } from "fastify";
import { GatehouseError, type ErrorCode } from "../errors.ts";
import { FAVICON_PATH } from "./favicon.ts";
import { PAGE_STYLE, sendErrorPage } from "./errorPage.ts";
import { OIDC_LOGIN_PATH } from "./oidcPaths.ts";
import { toProblem } from "./problem.ts";

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** Words for the person whose sign-in failed, by code, where the error's own message is not for them. */
const signInWords: Partial<Record<ErrorCode, string>> = {
  issuer_mismatch: "The sign-in answer did not come from this hub's identity provider. Sign in again.",
  invalid_grant:
    "The identity provider did not accept the sign-in (the code was used, expired or did not match). Sign in again.",
  provider_unavailable: "The identity provider cannot be reached right now. Try again in a moment.",
  invalid_provider_response: "The identity provider's answer could not be read. Try again, or ask an admin.",
  invalid_client:
    "The identity provider refused this hub's client credentials. An admin must check GATEHOUSE_OIDC_CLIENT_ID and GATEHOUSE_OIDC_CLIENT_SECRET.",
  oidc_not_configured: "This hub has no identity provider configured. Sign in with your password.",
};

/**
 * A failed sign-in as a readable page (the flow runs in a browser): the provider's own words when it
 * refused, else the hub's; the stable code; Try again and Back to the sign-in page. Never a stack trace.
 */
export function sendSignInPage(reply: FastifyReply, err: unknown): FastifyReply {
  const context = {
    heading: "Could not sign in",
    integration: null,
    retryUrl: OIDC_LOGIN_PATH,
    back: { href: "/login", label: "Back to sign in" },
    settingsUrl: null,
  };
  const providerError = err instanceof GatehouseError ? err.details?.providerError : undefined;
  if (err instanceof GatehouseError && typeof providerError === "string") {
    const said = providerError.slice(0, 100).replace(/_/g, " ");
    const described = err.details?.providerDescription;
    const description = typeof described === "string" ? ` (${described.slice(0, 300)})` : "";
    const status = err.status === 503 ? 503 : err.status >= 500 ? 502 : 400;
    return sendErrorPage(
      reply,
      status,
      err.code,
      `The identity provider said: ${said}${description}.`,
      context,
    );
  }
  const body = toProblem(err);
  const words = signInWords[body.code as ErrorCode];
  return sendErrorPage(reply, body.status, body.code, words ?? body.detail, context);
}

/**
 * The step after the hub's own sign-out: a page that posts the provider's end-session form (the ID token
 * goes in the body, never in a URL), by script where allowed, by a button otherwise.
 */
export function sendEndSessionPage(
  reply: FastifyReply,
  form: { action: string; fields: Record<string, string> },
  providerName: string,
): FastifyReply {
  const nonce = randomBytes(16).toString("base64");
  const inputs = Object.entries(form.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing out · Gatehouse</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml">
<style>${PAGE_STYLE}</style></head>
<body><header><a href="/login">Gatehouse</a></header>
<main><section class="card" aria-labelledby="title">
<h1 id="title">Signed out of Gatehouse</h1>
<form id="end-session" method="post" action="${escapeHtml(form.action)}">${inputs}
<p class="hint">Signing you out of ${escapeHtml(providerName)} too…</p>
<div class="actions"><button class="button" type="submit">Continue</button></div></form>
</section></main>
<script nonce="${nonce}">document.getElementById("end-session").submit();</script>
</body></html>`;
  const origin = new URL(form.action).origin;
  return reply
    .code(200)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header(
      "content-security-policy",
      `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; script-src 'nonce-${nonce}'; form-action ${origin}; base-uri 'none'; frame-ancestors 'none'`,
    )
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY")
    .send(html);
}
