/**
 * In-process stand-ins for HTTP servers, for unit tests that must not start servers: `interceptOrigin`
 * routes this process's `fetch` calls for one made-up origin to a handler, and leaves every other request
 * to the real fetch. Handlers see a standard Request and answer a standard Response, as oauth4webapi does
 * with its own tests (STYLE.md: "test the deciding half directly with new Response(...)").
 */
import { randomBytes } from "node:crypto";

export type FetchHandler = (request: Request, signal: AbortSignal | undefined) => Promise<Response>;

const handlers = new Map<string, FetchHandler>();
let realFetch: typeof fetch | null = null;

function install(): void {
  if (realFetch) return;
  const original = globalThis.fetch;
  realFetch = original;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const handler = handlers.get(new URL(request.url).origin);
    if (!handler) return original(input, init);
    // The caller's own signal: Request makes a copy that follows it, but aborts with another reason.
    return handler(request, init?.signal ?? undefined);
  };
}

function uninstallWhenIdle(): void {
  if (handlers.size > 0 || !realFetch) return;
  globalThis.fetch = realFetch;
  realFetch = null;
}

/** A fresh origin no real host answers to (".invalid", RFC 6761). */
export function fakeOrigin(label: string): string {
  return `http://${label}-${randomBytes(4).toString("hex")}.invalid`;
}

/** Routes fetches for `origin` to `handler` until the returned function is called. */
export function interceptOrigin(origin: string, handler: FetchHandler): () => void {
  install();
  handlers.set(origin, handler);
  return () => {
    // A closed stand-in is like a closed port: the connection is refused, as fetch reports it.
    handlers.set(origin, async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error(`connect ECONNREFUSED ${origin}`), { code: "ECONNREFUSED" }),
      });
    });
  };
}

/** Forgets `origin` altogether (after the suite). */
export function releaseOrigin(origin: string): void {
  handlers.delete(origin);
  uninstallWhenIdle();
}

/** A promise that settles only when `signal` aborts, rejecting as fetch does then (with its reason). */
export function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (!signal) return;
    // fetch rejects with the signal's reason itself (a DOMException for AbortSignal.timeout).
    const abort = () => reject(signal.reason as Error);
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
  });
}
