/**
 * Plays the user's browser at an emulator's sign-in pages: a cookie jar, redirects followed by hand
 * within the emulator's origin, the login form and the consent form submitted as a browser would.
 * It stops at the first redirect that leaves the emulator — the client's callback, carrying
 * `code`/`state`/`iss` or `error` — and returns that URL without fetching it.
 */
import { HTML_ENTITIES } from "../../src/emulators/shared/interactionPages.ts";

export interface SignInOptions {
  email: string;
  password: string;
  /** Allow (default) or deny on the consent page. */
  consent?: boolean;
  /** Per-request timeout in ms (default 10 s). */
  timeoutMs?: number;
}

export interface SignInResult {
  /** The redirect target outside the emulator (the client's redirect URI with its query). */
  finalUrl: string;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** A minimal cookie jar for one origin: honours Path, Max-Age=0 and past Expires (deletion). */
class CookieJar {
  #cookies = new Map<string, Cookie>();

  store(setCookieHeaders: string[]): void {
    for (const header of setCookieHeaders) {
      const [pair = "", ...attributes] = header.split(";").map((part) => part.trim());
      const separator = pair.indexOf("=");
      if (separator <= 0) continue;
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      let path = "/";
      let expired = false;
      for (const attribute of attributes) {
        const [key = "", val = ""] = attribute.split("=");
        const lower = key.toLowerCase();
        if (lower === "path" && val) path = val;
        if (lower === "max-age" && Number(val) <= 0) expired = true;
        if (lower === "expires" && Date.parse(val) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  headerFor(url: URL): string {
    return [...this.#cookies.values()]
      .filter(
        (c) =>
          url.pathname === c.path || url.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`),
      )
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }
}

interface Form {
  action: string;
  method: string;
  fields: Map<string, string>;
  buttons: { name: string; value: string }[];
}

/** Undoes the emulators' `escapeHtml`: `&amp;` last, so `&amp;lt;` comes back as `&lt;`. */
function decodeEntities(value: string): string {
  return HTML_ENTITIES.reduceRight((text, [char, entity]) => text.replaceAll(entity, char), value);
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1]);
}

function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, formAttributes = "", body = ""] = match;
    const fields = new Map<string, string>();
    for (const input of body.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], "name");
      if (name) fields.set(name, attribute(input[0], "value") ?? "");
    }
    const buttons: Form["buttons"] = [];
    for (const button of body.matchAll(/<button\b[^>]*>/gi)) {
      const name = attribute(button[0], "name");
      if (name) buttons.push({ name, value: attribute(button[0], "value") ?? "" });
    }
    forms.push({
      action: attribute(` ${formAttributes}`, "action") ?? "",
      method: (attribute(` ${formAttributes}`, "method") ?? "get").toLowerCase(),
      fields,
      buttons,
    });
  }
  return forms;
}

function errorText(html: string): string | undefined {
  const match = /<p[^>]*role="alert"[^>]*>([\s\S]*?)<\/p>/i.exec(html);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1]);
}

const MAX_STEPS = 20;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Same origin, counting localhost and 127.0.0.1 as one host (the emulator's issuer uses 127.0.0.1). */
function sameEmulator(url: URL, emulator: URL): boolean {
  if (url.origin === emulator.origin) return true;
  return (
    url.protocol === emulator.protocol &&
    url.port === emulator.port &&
    LOOPBACK_HOSTS.has(url.hostname) &&
    LOOPBACK_HOSTS.has(emulator.hostname)
  );
}

/**
 * Signs in at the emulator behind `authorizationUrl` and returns the redirect to the client's callback.
 * Throws if the credentials are refused, a page answers an unexpected status, or the flow loops.
 */
export async function signInAtEmulator(
  authorizationUrl: string,
  { email, password, consent = true, timeoutMs = 10_000 }: SignInOptions,
): Promise<SignInResult> {
  const emulator = new URL(authorizationUrl);
  const jar = new CookieJar();

  let next: { url: URL; method: "GET" | "POST"; body?: URLSearchParams } = {
    url: new URL(authorizationUrl),
    method: "GET",
  };

  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (!sameEmulator(next.url, emulator)) return { finalUrl: next.url.href };

    const headers: Record<string, string> = { accept: "text/html" };
    const cookie = jar.headerFor(next.url);
    if (cookie) headers.cookie = cookie;
    if (next.body) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(next.url, {
      method: next.method,
      headers,
      body: next.body?.toString(),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    jar.store(response.headers.getSetCookie());

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) throw new Error(`redirect without Location from ${next.url.pathname}`);
      next = { url: new URL(location, next.url), method: "GET" };
      continue;
    }

    const html = await response.text();
    const forms = parseForms(html);
    const form = forms.find((f) => f.method === "post");

    if (form && form.fields.has("password")) {
      if (html.includes('role="alert"') && next.method === "POST") {
        throw new Error(`sign-in refused for ${email}: ${errorText(html) ?? `status ${response.status}`}`);
      }
      const body = new URLSearchParams([...form.fields]);
      body.set("email", email);
      body.set("password", password);
      next = { url: new URL(form.action, next.url), method: "POST", body };
      continue;
    }

    const decision = form?.buttons.find((b) => b.value === (consent ? "allow" : "deny"));
    if (form && decision) {
      const body = new URLSearchParams([...form.fields]);
      body.set(decision.name, decision.value);
      next = { url: new URL(form.action, next.url), method: "POST", body };
      continue;
    }

    throw new Error(
      `unexpected page at ${next.url.pathname} (status ${response.status}): ${html
        .replace(/<[^>]+>/g, " ")
        .replace(/\s+/g, " ")
        .trim()
        .slice(0, 300)}`,
    );
  }
  throw new Error(`sign-in did not reach the client's callback within ${MAX_STEPS} steps`);
}
