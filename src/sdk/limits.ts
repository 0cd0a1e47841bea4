/**
 * The limits and value rules of result JSON (src/sdk/README.md, "Result JSON"), defined once: the SDK applies
 * them when app code builds a result (src/sdk/results.ts), and the hub applies them again to the JSON an app
 * process sent (src/apps/resultLimits.ts), because an app process can send anything.
 */

/** Items in one DataGroup. */
export const MAX_GROUP_ITEMS = 100;
/** Levels of DataGroups, the result's own group being level 1. */
export const MAX_GROUP_DEPTH = 3;
/** Cells in one TableResult. */
export const MAX_TABLE_CELLS = 100_000;
/** UTF-8 bytes of a WebResult's html. */
export const MAX_HTML_BYTES = 5 * 1024 * 1024;
/** The hub's default cap on the JSON of one result, in bytes (GATEHOUSE_APP_RESULT_MAX_BYTES changes it). */
export const DEFAULT_RESULT_MAX_BYTES = 5 * 1024 * 1024;
/** numberOfDecimals and numDecimals: an integer from 0 to this. */
export const MAX_DECIMALS = 20;

export const DATA_STATUSES = ["info", "success", "warning", "error"] as const;
export const TEXT_STYLES = ["bold", "italic", "underline"] as const;
export const ALIGNS = ["left", "center", "right"] as const;
/** `#rgb` or `#rrggbb`. */
export const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** What a DataItem's value and a table cell's value may be: a string, a finite number, a boolean or null. */
export function isScalarValue(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

export function isDecimals(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_DECIMALS;
}

export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (list as readonly string[]).includes(value);
}
