/**
 * How a command fails: one sentence for stderr and an exit code (1 failure, 2 usage). Commands throw
 * CliError; main.ts prints it as `gatehouse <command>: <sentence>` and returns the code.
 */
import { GatehouseError } from "../errors.ts";
import { OAuthError } from "../oauth/index.ts";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: typeof EXIT_FAILURE | typeof EXIT_USAGE = EXIT_FAILURE,
    /** A stable machine code, printed with --json. */
    readonly code = exitCode === EXIT_USAGE ? "usage" : "failed",
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT_USAGE, "usage");

/** Ends a sentence with a full stop unless it already has one. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Turns what a command threw into a CliError. OAuth errors keep their message (they never hold tokens);
 * provider outages name the server so the user knows what to check.
 */
export function toCliError(err: unknown, context: { server?: string } = {}): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof OAuthError) {
    if (err.code === "provider_unavailable") {
      const where = context.server ? ` at ${context.server}` : "";
      return new CliError(
        `could not reach the authorization server${where} (${err.message})`,
        EXIT_FAILURE,
        err.code,
      );
    }
    return new CliError(err.message, EXIT_FAILURE, err.code);
  }
  if (err instanceof GatehouseError) {
    return new CliError(err.message, err.status === 400 ? EXIT_USAGE : EXIT_FAILURE, err.code);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(message, EXIT_FAILURE, "failed");
}
