/**
 * Evo errors are RFC 7807 problem details (`type`, `title`, `status`, `detail`) served as
 * `application/problem+json`. Exported so the emulator's fault injection answers in this shape.
 * The `type` URIs are guesses in Seequent's style; clients should key on `status`.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const TYPE_BASE = "https://seequent.com/error-codes/evo";

export class EvoApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "EvoApiError";
  }

  body(): ProblemBody {
    return {
      type: `${TYPE_BASE}/${this.code}`,
      title: this.title,
      status: this.status,
      detail: this.message,
    };
  }
}

/** The problem body for `status`; `code` becomes the last segment of `type`. */
export function errorBody(status: number, code: string, message: string): ProblemBody {
  return new EvoApiError(status, code, titleFor(status), message).body();
}

function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
  };
  return titles[status] ?? "Error";
}

/** The answer for an injected fault (429 or 5xx). */
export function faultBody(status: number): ProblemBody {
  if (status === 429)
    return errorBody(429, "too-many-requests", "Rate limit exceeded. Retry after the period in Retry-After.");
  if (status === 503) return errorBody(503, "service-unavailable", "The service is temporarily unavailable.");
  return errorBody(status, "internal-server-error", "An internal server error occurred.");
}

const bearer = { "www-authenticate": "Bearer" };

export const errors = {
  missingToken: () =>
    new EvoApiError(401, "unauthorized", "Unauthorized", "No bearer token was provided.", bearer),
  invalidToken: (detail: string) => new EvoApiError(401, "unauthorized", "Unauthorized", detail, bearer),
  insufficientScope: (scope: string) =>
    new EvoApiError(
      403,
      "insufficient-scope",
      "Forbidden",
      `The access token does not have the required scope '${scope}'.`,
    ),
  orgForbidden: () =>
    new EvoApiError(403, "forbidden", "Forbidden", "You do not have access to this organization."),
  notFound: (detail: string) => new EvoApiError(404, "not-found", "Not Found", detail),
  invalid: (detail: string) => new EvoApiError(422, "invalid-request", "Unprocessable Entity", detail),
};
