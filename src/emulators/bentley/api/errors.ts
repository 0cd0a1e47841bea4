/**
 * The error shape every Bentley API answers with: `{"error": {"code", "message", "details"?, "target"?}}`.
 * Exported so the emulator's fault injection (429, 5xx) answers in the same shape as the real gateway.
 */
export interface BentleyErrorDetail {
  code: string;
  message: string;
  target: string;
}

export interface BentleyErrorBody {
  error: { code: string; message: string; details?: BentleyErrorDetail[]; target?: string };
}

export class BentleyApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: BentleyErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "BentleyApiError";
  }

  body(): BentleyErrorBody {
    return errorBody(this.status, this.code, this.message, this.details);
  }
}

export const BENTLEY_ERROR_CONTENT_TYPE = "application/json; charset=utf-8";

/** The body of a Bentley API error; `status` is accepted for symmetry with the other platforms' helpers. */
export function errorBody(
  _status: number,
  code: string,
  message: string,
  details?: BentleyErrorDetail[],
): BentleyErrorBody {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
}

/**
 * The answer for an injected fault: 429 `RateLimitExceeded` (`TooManyRequests` on the iModels API, whose
 * documented code it is, when `url` is given; the caller adds `Retry-After`), 503 `ServiceUnavailable`,
 * other 5xx `InternalServerError`. The 5xx codes are guesses: the real gateway's 5xx bodies are not documented.
 */
export function faultBody(status: number, url?: string): BentleyErrorBody {
  if (status === 429) {
    const code = url?.toLowerCase().startsWith("/imodels") ? "TooManyRequests" : "RateLimitExceeded";
    return errorBody(status, code, "Rate limit is exceeded. Try again later.");
  }
  if (status === 503)
    return errorBody(status, "ServiceUnavailable", "The service is temporarily unavailable.");
  return errorBody(status, "InternalServerError", "An internal server error occurred.");
}

export const errors = {
  missingHeader: () =>
    new BentleyApiError(
      401,
      "HeaderNotFound",
      "Header Authorization was not found in the request. Access denied.",
    ),
  // Guess: the real gateway's code for a bad or expired token is not documented; `InvalidToken` is plausible.
  invalidToken: (message: string) => new BentleyApiError(401, "InvalidToken", message),
  // Guess: the code for a token without the `itwin-platform` scope.
  insufficientScope: () =>
    new BentleyApiError(
      403,
      "InsufficientScope",
      "The access token does not have the required scope 'itwin-platform'.",
    ),
  insufficientPermissions: (message: string) => new BentleyApiError(403, "InsufficientPermissions", message),
  iTwinNotFound: () => new BentleyApiError(404, "iTwinNotFound", "Requested iTwin is not available."),
  iModelNotFound: () => new BentleyApiError(404, "iModelNotFound", "Requested iModel is not available."),
  operationNotFound: (target: string) =>
    new BentleyApiError(404, "ResourceNotFound", "The requested resource or operation was not found.", [
      {
        code: "OperationNotFound",
        message: "Operation not found for the given route and Accept header.",
        target,
      },
    ]),
  invalidRequest: (code: string, message: string, details: BentleyErrorDetail[]) =>
    new BentleyApiError(422, code, message, details),
};
