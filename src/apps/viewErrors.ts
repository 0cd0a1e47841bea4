/**
 * The errors a view invocation ends with (src/sdk/README.md, "Errors from a view"), and what the hub makes of
 * an error an app process reports: the app chooses neither the status nor a code of the hub's own.
 */
import { constants } from "node:os";
import { GatehouseError } from "../errors.ts";
import type { SerializedError } from "./protocol.ts";

/** A view invocation that failed; `code` and `status` reach the views API as problem details. */
export class ViewError extends GatehouseError {}

export const appError = (code: string, message: string, status: number) =>
  new ViewError(code, message, status);

/**
 * The codes an app process may report, with the status the hub answers with; anything else is view_failed.
 * Every code an SDK reports is here (src/sdk/errors.ts; python/gatehouse/_codes.py, checked by
 * test/python-sdk.test.ts).
 */
export const APP_ERROR_STATUS: Readonly<Record<string, number>> = {
  login_required: 401,
  integration_not_found: 404,
  integration_not_assigned: 403,
  provider_unavailable: 503,
  provider_http_error: 502,
  view_failed: 500,
  view_not_found: 404,
  invalid_result: 500,
  invalid_capability: 500,
  outside_invocation: 500,
  token_failed: 502,
  // VIKTOR's UserError (Python apps): a message for the user about what they asked, shown as it is.
  user_error: 422,
};

export function fromAppError(error: SerializedError): ViewError {
  const status = Object.hasOwn(APP_ERROR_STATUS, error.code) ? APP_ERROR_STATUS[error.code] : undefined;
  if (status === undefined) return new ViewError("view_failed", error.message, 500);
  return new ViewError(error.code, error.message, status, error.details ?? {});
}

/** Signal numbers to names; the first name of a number wins (SIGABRT, not its alias SIGIOT). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals))
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);

/**
 * How an app process ended, in words. bubblewrap exits with 128 + N when the process it ran died of signal
 * N; a heap over --max-old-space-size ends in SIGABRT.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, heapMb: number): string {
  const number = signal ? constants.signals[signal] : code !== null && code > 128 ? code - 128 : null;
  const name = number === null ? undefined : SIGNAL_NAMES.get(number);
  if (name === "SIGABRT") return `it aborted (${name}), e.g. out of memory over its ${heapMb} MB heap`;
  if (name) return `signal ${name}`;
  return `exit code ${code}`;
}
