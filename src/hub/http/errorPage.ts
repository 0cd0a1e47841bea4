import type { FastifyReply } from "fastify";
import { GatehouseError } from "../../errors.ts";
import { FAVICON_PATH } from "./favicon.ts";

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** What the page knows about the connect attempt that failed; each link is a path on this hub. */
export interface ConnectPageContext {
  /** The integration being connected, once known. */
  integration: string | null;
  /** Starts the same connect flow again (same integration, app and return path); null when unknown. */
  retryUrl: string | null;
  /** Where the person came from: the app's page, or the path the flow was to return to. */
  back: { href: string; label: string };
  /** For admins: the integration's settings page. */
  settingsUrl: string | null;
  /** The page's heading when it is not about connecting an account (e.g. "Could not sign in"). */
  heading?: string;
}

export const NO_CONTEXT: ConnectPageContext = {
  integration: null,
  retryUrl: null,
  back: { href: "/apps", label: "Back to Gatehouse" },
  settingsUrl: null,
};

const STYLE = `:root{--bg:#f6f7f9;--surface:#fff;--text:#1c2430;--muted:#5b6675;--border:#d5dae1;--accent:#0b5cad;
--accent-dark:#084785;--accent-soft:#e7f0fa;--danger:#b3261e;--error-bg:#fdecea}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--text);background:var(--bg)}
header{background:var(--surface);border-bottom:1px solid var(--border);padding:.75rem 1.5rem}
header a{font-weight:700;font-size:1.1rem;color:var(--text);text-decoration:none}
main{max-width:42rem;margin:2.5rem auto;padding:0 1rem}
.card{background:var(--surface);border:1px solid var(--border);border-radius:8px;padding:1.5rem}
h1{font-size:1.45rem;margin:0 0 .75rem;line-height:1.25}
.message{color:var(--danger);background:var(--error-bg);border:1px solid #f1b8b3;border-radius:6px;padding:.6rem .8rem}
.hint{color:var(--text)}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.25rem 0 .5rem}
.button{display:inline-flex;align-items:center;font-weight:600;padding:.5rem 1rem;border-radius:6px;border:1px solid var(--accent);
background:var(--accent);color:#fff;text-decoration:none;min-height:2.5rem}
.button:hover{background:var(--accent-dark)}
.button.secondary{background:var(--surface);color:var(--accent)}
.button.secondary:hover{background:var(--accent-soft)}
.muted{color:var(--muted);font-size:.9rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f4;padding:0 .25em;border-radius:4px}
a:focus-visible{outline:2px solid var(--text);outline-offset:2px;box-shadow:0 0 0 3px #ffbf47}`;

/** A provider's own refusal, as an error page shows it. */
export interface ProviderRefusal {
  code: string;
  /** 503 when the provider is unavailable, 502 for another failure of its own, else 400. */
  status: number;
  /** Its error code in words, then its description in brackets, both clipped. */
  words: string;
}

/** The provider's refusal that `err` carries (an `error=` it sent), or undefined when it carries none. */
export function providerRefusal(err: unknown): ProviderRefusal | undefined {
  const providerError = err instanceof GatehouseError ? err.details?.providerError : undefined;
  if (!(err instanceof GatehouseError) || typeof providerError !== "string") return undefined;
  const said = providerError.slice(0, 100).replace(/_/g, " ");
  const described = err.details?.providerDescription;
  const description = typeof described === "string" ? ` (${described.slice(0, 300)})` : "";
  const status = err.status === 503 ? 503 : err.status >= 500 ? 502 : 400;
  return { code: err.code, status, words: `${said}${description}` };
}

/**
 * A small styled page for the browser steps of the connect flow and the sign-in. Nothing from the request is echoed
 * unescaped, every link is a path on this hub chosen by the hub (never an open redirect), and no token, code
 * or state ever appears on it.
 */
export function sendErrorPage(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  context: ConnectPageContext = NO_CONTEXT,
  hints: readonly string[] = [],
): FastifyReply {
  const title = context.heading
    ? escapeHtml(context.heading)
    : context.integration
      ? `Could not connect ${escapeHtml(context.integration)}`
      : "Could not connect the account";
  const actions = [
    context.retryUrl ? `<a class="button" href="${escapeHtml(context.retryUrl)}">Try again</a>` : "",
    `<a class="button${context.retryUrl ? " secondary" : ""}" href="${escapeHtml(context.back.href)}">${escapeHtml(context.back.label)}</a>`,
  ].join("");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · Gatehouse</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml">
<style>${STYLE}</style></head>
<body><header><a href="/apps">Gatehouse</a></header>
<main><section class="card" aria-labelledby="title">
<h1 id="title">${title}</h1>
<p class="message">${escapeHtml(message)}</p>
${hints.map((hint) => `<p class="hint">${escapeHtml(hint)}</p>`).join("\n")}
<div class="actions">${actions}</div>
<p class="muted">Error code: <code>${escapeHtml(code)}</code></p>
${context.settingsUrl ? `<p class="muted">Admins: <a href="${escapeHtml(context.settingsUrl)}">open the settings of ${escapeHtml(context.integration ?? "the integration")}</a>.</p>` : ""}
</section></main>
</body></html>`;
  return (
    reply
      .code(status)
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      )
      // The page may sit at the callback URL, whose query holds the code: never pass it on as a Referer.
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY")
      .send(html)
  );
}
