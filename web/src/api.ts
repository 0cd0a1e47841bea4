/**
 * The one way the UI talks to the hub: same-origin JSON over fetch with the session cookie. State-changing
 * requests are same-origin too, so the browser adds the Origin header the hub's CSRF check wants.
 */

/** RFC 9457 problem details as the hub sends them, plus whatever extra fields a code carries. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  loginUrl?: string;
  integration?: string;
  [key: string]: unknown;
}

/** A failed API call; `message` is a sentence a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problemSentence(problem, status));
    this.name = "ApiError";
  }
  get code(): string | undefined {
    return this.problem.code;
  }
}

const sentences: Record<string, string> = {
  unauthenticated: "You are not signed in.",
  invalid_credentials: "That email and password do not match an account.",
  csrf_rejected:
    "The request was refused because it did not come from this site. Reload the page and try again.",
  forbidden: "You do not have permission to do that.",
  provider_unavailable: "The platform could not be reached. Try again in a moment.",
  integration_not_found:
    "The integration this app needs does not exist. Ask your administrator to create it.",
  integration_not_assigned:
    "The integration this app needs is not assigned to it. Ask your administrator to assign it.",
  login_required: "You need to log in to the platform before this view can load.",
  rate_limited: "Too many requests. Wait a moment and try again.",
};

/** Turns problem details into one readable sentence, preferring the hub's own `detail`. */
export function problemSentence(problem: Problem, status: number): string {
  const detail = typeof problem.detail === "string" ? problem.detail.trim() : "";
  if (detail) return /[.!?]$/.test(detail) ? detail : `${detail}.`;
  if (problem.code && sentences[problem.code]) return sentences[problem.code]!;
  const title = typeof problem.title === "string" ? problem.title.trim() : "";
  if (title) return /[.!?]$/.test(title) ? title : `${title}.`;
  if (status === 0) return "The hub could not be reached. Check your connection and try again.";
  return `The request failed (HTTP ${status}).`;
}

/** Fired on window when the hub says the session is gone. */
export const SIGNED_OUT_EVENT = "gatehouse:signed-out";

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json, application/problem+json" },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, "Content-Type": "application/json" };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, {});
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const problem = data && typeof data === "object" ? (data as Problem) : {};
    // The session ended (expired, signed out elsewhere): the app shell sends the user to the sign-in page.
    if (res.status === 401 && problem.code === "unauthenticated")
      window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiError(res.status, problem);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  delete: <T>(path: string) => request<T>("DELETE", path),
};

/** The link that starts connecting an account, returning the browser to `returnTo` afterwards. */
export function loginLink(integration: string, app: string | null, returnTo: string): string {
  const query = new URLSearchParams();
  if (app) query.set("app", app);
  query.set("returnTo", returnTo);
  return `/api/integrations/oauth2/login/${encodeURIComponent(integration)}?${query.toString()}`;
}

/** Accepts epoch milliseconds, epoch seconds or an ISO string; null when absent or unreadable. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return new Date(value < 1e11 ? value * 1000 : value);
  if (typeof value === "string") {
    const date = new Date(/^\d+$/.test(value) ? Number(value) : value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** How the UI shows a moment: date, time to the minute, and the time zone's name. */
export const DATE_TIME_FORMAT: Intl.DateTimeFormatOptions = {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short",
};

/** A moment in the browser's own time zone, which it names: "1 Dec 2026, 10:51 CET". */
export function formatDate(value: unknown): string {
  const date = toDate(value);
  if (!date) return "—";
  return date.toLocaleString(undefined, DATE_TIME_FORMAT);
}

/** "in 42 minutes" / "3 hours ago": expiry reads better relative to now. */
export function relativeTime(value: unknown, now = Date.now()): string {
  const date = toDate(value);
  if (!date) return "";
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, size] of units) {
    if (abs >= size || unit === "second") return fmt.format(Math.round(seconds / size), unit);
  }
  return "";
}
