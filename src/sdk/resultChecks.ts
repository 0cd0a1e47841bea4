/** What every result shares: its error, and how messages name a label and a wrong value. */

/** A limit or shape rule of a result was broken; the message names the item. */
export class ResultError extends Error {
  readonly code = "invalid_result";
  constructor(message: string) {
    super(message);
    this.name = "ResultError";
  }
}

export function describe(label: string): string {
  return JSON.stringify(label.length > 60 ? `${label.slice(0, 57)}...` : label);
}

export function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
