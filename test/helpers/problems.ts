/**
 * How the hub says no, as tests read it: an RFC 9457 problem from the API, or the readable error page a
 * browser lands on (the callback, the sign-in), whose code stands in `Error code: <code>…</code>`.
 */
import { expect } from "vitest";
import type { Problem } from "../../src/hub/http/problem.ts";
import type { HubResponse } from "./hub.ts";

/** Checks `res` is a problem with this status and code, whole and without a stack trace; returns its body. */
export function expectProblem<T extends object = Record<string, unknown>>(
  res: HubResponse,
  status: number,
  code: string,
): Problem & T {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = res.body as Problem & T;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.type).toBe("string");
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  expect(res.text).not.toMatch(/\s+at .+\.ts:\d+/);
  return body;
}

/** The code an error page's HTML shows, or null when it shows none. */
export function errorPageCode(html: string): string | null {
  return /Error code: <code>([^<]+)<\/code>/.exec(html)?.[1] ?? null;
}

/** The code on the hub's error page `response` carries. */
export async function pageCode(response: Response): Promise<string | null> {
  return errorPageCode(await response.text());
}

/** An error page's status and code, with its HTML for what else it says. */
export async function pageOf(
  response: Response,
): Promise<{ status: number; code: string | null; html: string }> {
  const html = await response.text();
  return { status: response.status, code: errorPageCode(html), html };
}
