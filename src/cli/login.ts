/**
 * `gatehouse login`: the native-app sign-in the platforms' desktop tools use (RFC 8252). A callback server
 * on the loopback interface, an authorization request with PKCE S256 and `state`, the browser opened (or
 * the URL printed), exactly one callback accepted, the code exchanged as a public client, and the tokens
 * cached in the user's config dir. Nothing is written unless the whole flow succeeds.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { delimiter, join } from "node:path";
import {
  buildAuthorizationUrl,
  describeIdentity,
  lookupAccount,
  discover,
  exchangeCode,
  OAuthError,
  validateCallback,
  type DiscoveredEndpoints,
  type TokenSet,
} from "../oauth/index.ts";
import { CliError, toCliError, usageError } from "./cliError.ts";
import {
  isLoopbackUrl,
  OUTBOUND_TIMEOUT_MS,
  resolveClient,
  type ClientFlags,
  type ResolvedClient,
} from "./clientConfig.ts";
import { cacheEntry, writeEntry, type CachedTokens } from "./tokenCache.ts";

export const CALLBACK_PATH = "/signin-callback";

export interface LoginFlags extends ClientFlags {
  port?: string;
  browser?: boolean;
  timeout?: string;
  json?: boolean;
}

export interface LoginIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

function parseInteger(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw usageError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The small page the browser shows after the redirect back. */
export function resultPage(ok: boolean, heading: string, detail: string): string {
  const colour = ok ? "#1a7f37" : "#cf222e";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse sign-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem;color:${colour}}</style></head>
<body><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(detail)}</p></body></html>
`;
}

/** Listens on 127.0.0.1:port and, when the machine has IPv6 loopback, on [::1] at the same port. */
async function listenOnLoopback(
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ servers: Server[]; port: number }> {
  const listen = (host: string, p: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer(handler);
      server.once("error", reject);
      server.listen({ host, port: p, exclusive: true }, () => {
        server.off("error", reject);
        resolve(server);
      });
    });
  let v4: Server;
  try {
    v4 = await listen("127.0.0.1", port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new CliError(
        `port ${port} on 127.0.0.1 is already in use: stop whatever listens there or pick another with --port (the redirect URI registered at the provider must match)`,
      );
    }
    if (code === "EACCES")
      throw new CliError(`not allowed to listen on port ${port}: pick another with --port`);
    throw err;
  }
  const actual = (v4.address() as { port: number }).port;
  const servers = [v4];
  try {
    // `localhost` may resolve to ::1 first; a browser then must still find us.
    servers.push(await listen("::1", actual));
  } catch {
    // No IPv6 loopback here, or something else holds [::1]:port: 127.0.0.1 alone still works.
  }
  return { servers, port: actual };
}

function closeAll(servers: Server[]): Promise<void> {
  return Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  ).then(() => undefined);
}

/** The platform's "open this URL" command, when one is on PATH. */
function browserCommand(env: NodeJS.ProcessEnv): { command: string; args: (url: string) => string[] } | null {
  if (process.platform === "win32")
    return { command: "cmd", args: (url) => ["/c", "start", '""', url.replace(/&/g, "^&")] };
  const name = process.platform === "darwin" ? "open" : "xdg-open";
  const found = (env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
  return found ? { command: name, args: (url) => [url] } : null;
}

function openBrowser(url: string, env: NodeJS.ProcessEnv): boolean {
  const opener = browserCommand(env);
  if (!opener) return false;
  try {
    const child = spawn(opener.command, opener.args(url), { detached: true, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks that the authorization server answers before the user is sent there, so that a wrong --issuer
 * fails at once with one sentence instead of a browser error page. Any HTTP answer counts as reachable.
 * Returns the discovery document's endpoints when there is one (its userinfo endpoint names the user).
 */
async function checkReachable(client: ResolvedClient): Promise<DiscoveredEndpoints | null> {
  const issuer = client.oauth.issuer;
  if (!issuer) return null;
  try {
    return await discover(issuer, {
      timeoutMs: OUTBOUND_TIMEOUT_MS,
      allowInsecureHttp: isLoopbackUrl(new URL(issuer)),
      revocationDiscoveryField: client.preset.quirks.revocationDiscoveryField,
    });
  } catch (err) {
    // Only "cannot be reached" stops the login: a server without a discovery document may still sign in.
    if (err instanceof OAuthError && err.code === "provider_unavailable") {
      throw toCliError(err, { server: issuer });
    }
    return null;
  }
}

type CallbackOutcome = { ok: true; entry: CachedTokens; tokens: TokenSet } | { ok: false; error: CliError };

/** Runs the whole flow; returns the exit code. */
export async function login(flags: LoginFlags, io: LoginIo): Promise<number> {
  const port = parseInteger(flags.port, "--port", 3000, 0, 65_535);
  const timeoutSeconds = parseInteger(flags.timeout, "--timeout", 300, 1, 86_400);
  const client = await resolveClient(flags, "authorization_code", "login");
  if (!client.oauth.authorizationUrl) {
    throw usageError(
      `the ${client.preset.id} provider has no authorization endpoint: interactive sign-in is not possible`,
    );
  }
  const discovered = await checkReachable(client);

  let settle!: (outcome: CallbackOutcome) => void;
  const outcome = new Promise<CallbackOutcome>((resolve) => (settle = resolve));
  let pending: {
    state: string;
    codeVerifier: string | null;
    nonce: string | null;
    redirectUri: string;
  } | null = null;
  let handled = false;
  let timer: NodeJS.Timeout | undefined;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // A target like "//" is no URL path; it gets the not-found page below instead of ending the login.
    const url = URL.parse(req.url ?? "/", "http://localhost") ?? new URL("http://localhost/");
    const send = (status: number, html: string) => {
      res.writeHead(status, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        connection: "close",
      });
      res.end(html);
    };
    if (req.method !== "GET" || url.pathname !== CALLBACK_PATH) {
      send(
        404,
        resultPage(
          false,
          "Not found",
          "This is the Gatehouse CLI's sign-in callback; nothing else lives here.",
        ),
      );
      return;
    }
    if (handled || !pending) {
      send(
        409,
        resultPage(false, "Sign-in already handled", "You can close this tab and return to the terminal."),
      );
      return;
    }
    handled = true;
    // The one callback is in: from here the exchange's own timeout applies, not the wait for the user.
    clearTimeout(timer);
    const flow = pending;
    void (async () => {
      let result: CallbackOutcome;
      try {
        const params = validateCallback(client.oauth, url, flow.state);
        const tokens = await exchangeCode(client.oauth, params, {
          redirectUri: flow.redirectUri,
          codeVerifier: flow.codeVerifier,
          nonce: flow.nonce,
          scopes: client.scopes,
        });
        // Saved before the page says so, so the browser never claims a sign-in the cache does not hold.
        const entry = cacheEntry("authorization_code", client, tokens);
        writeEntry(io.env, entry);
        result = { ok: true, entry, tokens };
        send(
          200,
          resultPage(
            true,
            "Signed in",
            "Gatehouse has your tokens. You can close this tab and return to the terminal.",
          ),
        );
      } catch (err) {
        const error =
          err instanceof OAuthError && err.code === "state_mismatch"
            ? new CliError(
                "the sign-in callback did not carry the state this login started, so it was refused (nothing was saved); run gatehouse login again",
                1,
                "state_mismatch",
              )
            : err instanceof OAuthError && err.code === "access_denied"
              ? new CliError("the sign-in was denied at the provider (nothing was saved)", 1, "access_denied")
              : toCliError(err, { server: client.oauth.tokenUrl });
        result = { ok: false, error };
        send(
          err instanceof OAuthError && err.status >= 500 ? 502 : 400,
          resultPage(false, "Sign-in failed", `${error.message}.`),
        );
      }
      settle(result);
    })();
  };

  const { servers, port: actualPort } = await listenOnLoopback(port, handler);
  const redirectUri = `http://localhost:${actualPort}${CALLBACK_PATH}`;
  const onSignal = () =>
    settle({ ok: false, error: new CliError("sign-in interrupted (nothing was saved)") });
  try {
    const request = await buildAuthorizationUrl(client.oauth, { redirectUri, scopes: client.scopes });
    pending = { state: request.state, codeVerifier: request.codeVerifier, nonce: request.nonce, redirectUri };

    const opened = flags.browser !== false && openBrowser(request.url, io.env);
    io.err.write(
      opened
        ? `Opened your browser to sign in. If nothing happened, open this URL:\n${request.url}\n`
        : `Open this URL in a browser to sign in:\n${request.url}\n`,
    );
    io.err.write(`Waiting for the sign-in at ${redirectUri} (up to ${timeoutSeconds} s; Ctrl-C cancels)…\n`);

    timer = setTimeout(
      () =>
        settle({
          ok: false,
          error: new CliError(
            `no sign-in completed within ${timeoutSeconds} s (nothing was saved)`,
            1,
            "timeout",
          ),
        }),
      timeoutSeconds * 1000,
    );
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);

    const result = await outcome;
    if (!result.ok) throw result.error;
    const { entry, tokens } = result;
    const user = await lookupAccount(client.oauth, tokens, { userinfoUrl: discovered?.userinfoUrl });
    const summary = {
      provider: entry.provider,
      issuer: entry.issuer,
      clientId: entry.clientId,
      user,
      scopes: entry.grantedScopes,
      expiresAt: new Date(entry.expiresAt).toISOString(),
      refreshToken: entry.refreshToken !== null,
    };
    if (flags.json) io.out.write(`${JSON.stringify(summary)}\n`);
    const who = describeIdentity(user);
    io.err.write(
      `Signed in to ${entry.issuer} ${who ? `as ${who}` : "(the provider did not say as whom)"} with the client ${entry.clientId}; the access token is valid until ${summary.expiresAt}${
        summary.refreshToken
          ? " and will be refreshed by `gatehouse token`"
          : " (no refresh token: sign in again then)"
      }.\n`,
    );
    return 0;
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await closeAll(servers);
  }
}
