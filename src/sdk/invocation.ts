import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What one view invocation knows about the hub that runs it. The app process receives it with the
 * invocation (over IPC, never in the environment) and keeps it in AsyncLocalStorage, so concurrent
 * invocations for different users never see each other's capability.
 */
export interface InvocationContext {
  /** The hub's internal base URL, e.g. http://127.0.0.1:8080. */
  hubUrl: string;
  /** Unguessable, short-lived, bound to (app, user, invocation); exchanged at POST /api/runtime/token. */
  capability: string;
  /** Real API origin → emulator origin (sandbox); `*.` prefixes match any subdomain. Empty otherwise. */
  hostMap: Readonly<Record<string, string>>;
  /** Tokens already obtained in this invocation, by integration name. */
  tokens: Map<string, { accessToken: string; expiresAt: number }>;
}

const storage = new AsyncLocalStorage<InvocationContext>();

/** Runs `fn` as (part of) one view invocation. Used by the app runtime, not by app code. */
export function runInInvocation<T>(context: InvocationContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current invocation, or null outside a view. */
export function currentInvocation(): InvocationContext | null {
  return storage.getStore() ?? null;
}

let defaultHostMap: Readonly<Record<string, string>> = {};

/** The mapping `resolveUrl` uses outside an invocation (the runtime sets it from the hub's mapping). */
export function setDefaultHostMap(map: Readonly<Record<string, string>>): void {
  defaultHostMap = { ...map };
}

/**
 * Where a request for `url` really goes: in the sandbox, the real API hosts (api.bentley.com,
 * developer.api.autodesk.com, discover.api.seequent.com, *.api.seequent.com) map to the emulators;
 * anything else, and everything outside the sandbox, is returned unchanged.
 */
export function resolveUrl(url: string | URL): string {
  const parsed = new URL(url);
  const map = currentInvocation()?.hostMap ?? defaultHostMap;
  const host = parsed.hostname.toLowerCase();
  const target = map[host] ?? wildcardTarget(map, host);
  if (!target || parsed.protocol !== "https:") return parsed.href;
  const base = new URL(target);
  parsed.protocol = base.protocol;
  parsed.hostname = base.hostname;
  parsed.port = base.port;
  return parsed.href;
}

function wildcardTarget(map: Readonly<Record<string, string>>, host: string): string | undefined {
  for (const [pattern, target] of Object.entries(map)) {
    if (pattern.startsWith("*.") && host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1) {
      return target;
    }
  }
  return undefined;
}
