import registry from "./errors/codes.json" with { type: "json" };

/**
 * The hub's stable error codes. `src/errors/codes.json` is the one list: each code with its HTTP status, a
 * short title (the problem details' `title`), and flags. It is plain JSON so that other languages (the
 * Python SDK) read the same list; the OpenAPI document publishes it as `x-error-codes`.
 */
export type ErrorCode = keyof typeof registry;

export interface ErrorCodeEntry {
  /** The HTTP status the code answers with. */
  status: number;
  /** A short summary of the problem type (RFC 9457 `title`). */
  title: string;
  /** An app process may report the code from a view (docs/runtime-protocol.md); others become view_failed. */
  appReportable?: boolean;
  /** The status when an app process reports the code, where it differs from `status`. */
  appStatus?: number;
  /** A 5xx whose message is written for the caller (a provider's failure); other 5xx messages stay in logs. */
  exposeMessage?: boolean;
}

export const errorCodes: Readonly<Record<ErrorCode, ErrorCodeEntry>> = registry;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(registry, value);
}

export function statusOf(code: ErrorCode): number {
  return errorCodes[code].status;
}

/**
 * The status the hub answers a view with when an app process reports `code`, or undefined when an app may
 * not report it (the hub then answers `view_failed`). An app never chooses the status itself.
 */
export function appReportedStatus(code: string): number | undefined {
  if (!isErrorCode(code)) return undefined;
  const entry: ErrorCodeEntry = errorCodes[code];
  return entry.appReportable ? (entry.appStatus ?? entry.status) : undefined;
}

/** Every code an app process may report, with the status the hub answers with (appReportedStatus of each). */
export const APP_ERROR_STATUS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.keys(errorCodes).flatMap((code) => {
    const status = appReportedStatus(code);
    return status === undefined ? [] : [[code, status]];
  }),
);

/** Extra fields safe to show to the caller (never secrets). */
export type ErrorDetails = Record<string, unknown>;

export interface GatehouseErrorOptions {
  cause?: unknown;
  /**
   * Only where the same code means another status in its context (the connect flow's pages answer a
   * provider's refusal with 400, whatever the code; a code an app reports gets its `appStatus`). Everywhere
   * else the registry's status applies.
   */
  status?: number;
}

/**
 * The one error type that crosses module boundaries. `code` is stable: it reaches the HTTP API as the
 * problem-details `code`, the SDK as an error class, and the CLI as its message. Modules define their own
 * subclasses (OAuthError, ConfigError, …), always with a code from the registry.
 */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  /** The HTTP status this error maps to when it reaches the API. */
  readonly status: number;
  readonly details?: ErrorDetails;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: GatehouseErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = details;
    // A code outside the registry can only be a value cast to ErrorCode: a server error, not a crash here.
    this.status = options?.status ?? (isErrorCode(code) ? statusOf(code) : 500);
  }
}

/** The code of a GatehouseError, or undefined for anything else. */
export function errorCodeOf(err: unknown): ErrorCode | undefined {
  return err instanceof GatehouseError ? err.code : undefined;
}

/** Errors more than one module raises, worded once. */
export const errors = {
  integrationNotFound: (name: string): GatehouseError =>
    new GatehouseError("integration_not_found", `No integration named "${name}"`, { integration: name }),

  integrationNotAssigned: (integration: string, app: string, why: string): GatehouseError =>
    new GatehouseError(
      "integration_not_assigned",
      `${integration} is not available to the app ${app}: ${why}`,
      {
        integration,
        app,
      },
    ),

  grantMismatch: (integration: string, message: string): GatehouseError =>
    new GatehouseError("integration_grant_mismatch", message, { integration }),
};
