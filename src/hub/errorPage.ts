import type { FastifyReply } from "fastify";

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/**
 * A small readable page for the browser steps of the connect flow (a person is looking, not a program):
 * what went wrong in one sentence, the stable code, and a way back. Nothing from the request is echoed
 * unescaped, and no token, code or state ever appears on it.
 */
export function sendErrorPage(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  backTo = "/",
): FastifyReply {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse: could not connect</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Could not connect the account</h1>
<p>${escapeHtml(message)}</p>
<p>Error code: <code>${escapeHtml(code)}</code></p>
<p><a href="${escapeHtml(backTo)}">Back to Gatehouse</a></p>
</body></html>`;
  return (
    reply
      .code(status)
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      // The page may sit at the callback URL, whose query holds the code: never pass it on as a Referer.
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY")
      .send(html)
  );
}
