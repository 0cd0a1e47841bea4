/**
 * The errors a view invocation ends with (src/sdk/README.md, "Errors from a view"), and what the hub makes of
 * an error an app process reports: the app chooses neither the status nor a code of the hub's own.
 */
import { constants } from "node:os";
import { GatehouseError, appReportedStatus, isErrorCode } from "../errors.ts";
import type { SerializedError } from "./protocol.ts";

/** A view invocation that failed; `code` and `status` reach the views API as problem details. */
export class ViewError extends GatehouseError {}

/**
 * What the hub makes of an error an app process reports: a code the registry lets an app report
 * (src/errors/codes.json, `appReportable`) keeps the app's message and details and gets the hub's status
 * for it; anything else becomes view_failed, keeping the message.
 */
export function fromAppError(error: SerializedError): ViewError {
  const status = appReportedStatus(error.code);
  if (status === undefined || !isErrorCode(error.code)) return new ViewError("view_failed", error.message);
  return new ViewError(error.code, error.message, error.details ?? {}, { status });
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
