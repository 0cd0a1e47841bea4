/**
 * The one error type that crosses module boundaries. `code` is stable: it reaches the HTTP API as the
 * problem-details `code`, the SDK as an error class, and the CLI as its message. Modules define their own
 * subclasses (OAuthError, VaultError, …) but always with a code from the lists they document.
 */
export class GatehouseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status this error maps to when it reaches the API. */
    readonly status = 500,
    /** Extra fields safe to show to the caller (never secrets). */
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
