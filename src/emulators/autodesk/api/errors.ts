/**
 * Data Management errors in the JSON:API shape: `{"jsonapi":{"version":"1.0"},"errors":[{status,code,detail}]}`
 * (`status` is a string). Exported so the emulator's fault injection (429, 5xx) answers in this shape.
 */
export interface JsonApiErrorBody {
  jsonapi: { version: "1.0" };
  errors: { status: string; code: string; detail: string }[];
}

export const AUTODESK_CONTENT_TYPE = "application/vnd.api+json";

export class AutodeskApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AutodeskApiError";
  }

  body(): JsonApiErrorBody {
    return errorBody(this.status, this.code, this.message);
  }
}

export function errorBody(status: number, code: string, detail: string): JsonApiErrorBody {
  return { jsonapi: { version: "1.0" }, errors: [{ status: String(status), code, detail }] };
}

/** The answer for an injected fault. Codes are guesses: the real gateway's 429/5xx codes are not documented. */
export function faultBody(status: number): JsonApiErrorBody {
  if (status === 429)
    return errorBody(429, "TOO_MANY_REQUESTS", "Rate limit exceeded. Retry after the period in Retry-After.");
  if (status === 503) return errorBody(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable.");
  return errorBody(status, "INTERNAL_SERVER_ERROR", "An internal server error occurred.");
}

// The AUTH-0xx codes are the gateway's documented authentication codes, here carried in the JSON:API shape.
export const errors = {
  missingToken: () => new AutodeskApiError(401, "AUTH-010", "Token is not provided in the request."),
  invalidToken: (detail: string) => new AutodeskApiError(401, "AUTH-006", detail),
  insufficientScope: (scope: string) =>
    new AutodeskApiError(403, "AUTH-012", `The token does not have the required scope '${scope}'.`),
  notFound: (detail: string) => new AutodeskApiError(404, "NOT_FOUND", detail),
  badInput: (detail: string) => new AutodeskApiError(400, "BAD_INPUT", detail),
};
