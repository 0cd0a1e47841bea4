import { isErrorCode, statusOf } from "../errors.ts";

/**
 * Errors app code can catch. Each has the stable `code` the hub uses for the same situation (the hub's
 * registry, src/errors/codes.json, gives its status), so a view that lets one escape turns into the same
 * problem details a direct token request would get.
 */
export class GatehouseSdkError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status of the code in the hub's registry (500 for a code it does not know). */
    readonly status: number = isErrorCode(code) ? statusOf(code) : 500,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
  /** Extra fields for the problem details (never secrets). */
  details(): Record<string, unknown> {
    return {};
  }
}

/** The user has no usable connection to the integration: send them to `loginUrl`. */
export class LoginRequiredError extends GatehouseSdkError {
  constructor(
    readonly loginUrl: string,
    readonly integration: string,
    message = `Connect your ${integration} account first`,
  ) {
    super("login_required", message);
  }
  override details(): Record<string, unknown> {
    return { loginUrl: this.loginUrl, integration: this.integration };
  }
}

/** No integration of that name exists on the hub. */
export class IntegrationNotFoundError extends GatehouseSdkError {
  constructor(
    readonly integration: string,
    message = `No integration named ${integration} exists on this hub`,
  ) {
    super("integration_not_found", message);
  }
  override details(): Record<string, unknown> {
    return { integration: this.integration };
  }
}

/** The integration exists but is not assigned to this app, or the app's config does not list it. */
export class IntegrationNotAssignedError extends GatehouseSdkError {
  constructor(
    readonly integration: string,
    message = `The integration ${integration} is not assigned to this app or not listed in its gatehouse.config.toml`,
  ) {
    super("integration_not_assigned", message);
  }
  override details(): Record<string, unknown> {
    return { integration: this.integration };
  }
}

/** The provider (or the hub) cannot be reached and no valid token is held. */
export class ProviderUnavailableError extends GatehouseSdkError {
  constructor(
    readonly integration: string | null,
    message = "The provider cannot be reached right now; try again in a moment",
    options?: { cause?: unknown },
  ) {
    super("provider_unavailable", message, undefined, options);
  }
  override details(): Record<string, unknown> {
    return this.integration ? { integration: this.integration } : {};
  }
}

/**
 * A provider API answered with an error. `body` is the parsed JSON (or the text); `explanation` is a human
 * sentence for the errors Gatehouse recognises (see explain.ts), else the provider's own message.
 */
export class ProviderHttpError extends GatehouseSdkError {
  readonly providerCode: string | null;
  constructor(
    readonly providerStatus: number,
    readonly body: unknown,
    readonly explanation: string,
    readonly url: string | null = null,
    providerCode: string | null = null,
  ) {
    super("provider_http_error", explanation);
    this.providerCode = providerCode;
  }
  override details(): Record<string, unknown> {
    return {
      providerStatus: this.providerStatus,
      providerCode: this.providerCode,
      ...(this.url ? { url: this.url } : {}),
    };
  }
}

/**
 * VIKTOR's `UserError`: throw it to show `message` to the user as it is (a bad combination of inputs, say)
 * instead of a "view failed" report; the views API answers `422 user_error` with it.
 */
export class UserError extends GatehouseSdkError {
  constructor(message: string) {
    super("user_error", String(message));
  }
}

/** The hub refused the invocation's capability (expired, or used outside the view it was made for). */
export class CapabilityError extends GatehouseSdkError {
  constructor(message = "This view invocation's capability is no longer valid") {
    super("invalid_capability", message);
  }
}
