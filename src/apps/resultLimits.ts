/**
 * The hub's own check of a view result an app process sent: the shapes of src/sdk/README.md ("Result JSON")
 * and the SDK's limits (src/sdk/limits.ts), applied again to the parsed JSON, because the app process is not
 * trusted to have used the SDK at all. What passes is rebuilt field by field, so nothing the app added beyond
 * the documented fields reaches a browser.
 */
import type { ViewKind } from "../sdk/app.ts";
import {
  ALIGNS,
  DATA_STATUSES,
  HEX_COLOR,
  isDecimals,
  isOneOf,
  isScalarValue,
  MAX_DECIMALS,
  MAX_GROUP_DEPTH,
  MAX_GROUP_ITEMS,
  MAX_HTML_BYTES,
  MAX_TABLE_CELLS,
  TEXT_STYLES,
} from "../sdk/limits.ts";
import type {
  DataGroupJSON,
  DataItemJSON,
  TableCellJSON,
  TableHeaderJSON,
  TableResultJSON,
  ViewResultJSON,
} from "../sdk/results.ts";

export type ResultCheck = { ok: true; result: ViewResultJSON } | { ok: false; reason: string };

export interface ResultCheckOptions {
  /** The kind the view declared in the app's manifest: its result must be of that type. */
  kind: ViewKind;
  /** The largest result JSON the hub accepts, in bytes (GATEHOUSE_APP_RESULT_MAX_BYTES). */
  maxBytes: number;
  /** How many bytes the message carrying the result had: a cheap upper bound of the result's size. */
  receivedBytes: number;
}

/** One broken rule, with where it is (`groups[0].items[3].value`). */
class Invalid extends Error {}

type Json = Record<string, unknown>;

function at(path: string, rule: string): never {
  throw new Invalid(`${path} ${rule}`);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) at(path, "must be an object");
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) at(path, "must be an array");
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== "string") at(path, "must be a string");
  return value;
}

function stringOrNull(value: unknown, path: string): string | null {
  if (value !== null && typeof value !== "string") at(path, "must be a string or null");
  return value;
}

function oneOfOrNull<T extends string>(list: readonly T[], value: unknown, path: string): T | null {
  if (value === null) return null;
  if (!isOneOf(list, value)) at(path, `must be one of ${list.join(", ")} or null`);
  return value;
}

function decimalsOrNull(value: unknown, path: string): number | null {
  if (value === null) return null;
  if (!isDecimals(value)) at(path, `must be an integer from 0 to ${MAX_DECIMALS} or null`);
  return value as number;
}

function colorOrNull(value: unknown, path: string): string | null {
  if (value === null) return null;
  if (typeof value !== "string" || !HEX_COLOR.test(value))
    at(path, "must be a hex color like #1a2b3c or null");
  return value;
}

function scalar(value: unknown, path: string): string | number | boolean | null {
  if (!isScalarValue(value)) at(path, "must be a string, finite number, boolean or null");
  return value;
}

function group(value: unknown, path: string, depth: number): DataGroupJSON {
  const items = array(object(value, path).items, `${path}.items`);
  if (items.length > MAX_GROUP_ITEMS)
    at(`${path}.items`, `has ${items.length} items; at most ${MAX_GROUP_ITEMS}`);
  return { items: items.map((item, index) => dataItem(item, `${path}.items[${index}]`, depth)) };
}

function dataItem(value: unknown, path: string, depth: number): DataItemJSON {
  const item = object(value, path);
  let subgroup: DataGroupJSON | null = null;
  if (item.subgroup !== null) {
    if (depth + 1 > MAX_GROUP_DEPTH)
      at(`${path}.subgroup`, `is at nesting depth ${depth + 1}; at most ${MAX_GROUP_DEPTH} levels`);
    subgroup = group(item.subgroup, `${path}.subgroup`, depth + 1);
  }
  return {
    label: string(item.label, `${path}.label`),
    value: scalar(item.value, `${path}.value`),
    display: string(item.display, `${path}.display`),
    prefix: stringOrNull(item.prefix, `${path}.prefix`),
    suffix: stringOrNull(item.suffix, `${path}.suffix`),
    numberOfDecimals: decimalsOrNull(item.numberOfDecimals, `${path}.numberOfDecimals`),
    status: oneOfOrNull(DATA_STATUSES, item.status, `${path}.status`),
    statusMessage: stringOrNull(item.statusMessage, `${path}.statusMessage`),
    explanationLabel: stringOrNull(item.explanationLabel, `${path}.explanationLabel`),
    subgroup,
  };
}

function header(value: unknown, path: string): TableHeaderJSON {
  const h = object(value, path);
  return {
    title: string(h.title, `${path}.title`),
    align: oneOfOrNull(ALIGNS, h.align, `${path}.align`),
    numDecimals: decimalsOrNull(h.numDecimals, `${path}.numDecimals`),
  };
}

function headers(value: unknown, path: string): TableHeaderJSON[] | null {
  return value === null ? null : array(value, path).map((h, i) => header(h, `${path}[${i}]`));
}

function cell(value: unknown, path: string): TableCellJSON {
  const c = object(value, path);
  return {
    value: scalar(c.value, `${path}.value`),
    textColor: colorOrNull(c.textColor, `${path}.textColor`),
    backgroundColor: colorOrNull(c.backgroundColor, `${path}.backgroundColor`),
    textStyle: oneOfOrNull(TEXT_STYLES, c.textStyle, `${path}.textStyle`),
  };
}

function table(result: Json): TableResultJSON {
  const columnHeaders = headers(result.columnHeaders, "columnHeaders");
  const rowHeaders = headers(result.rowHeaders, "rowHeaders");
  const rawRows = array(result.rows, "rows");
  const width = columnHeaders?.length ?? (Array.isArray(rawRows[0]) ? rawRows[0].length : 0);
  let cells = 0;
  const rows = rawRows.map((raw, r) => {
    const row = array(raw, `rows[${r}]`);
    if (row.length !== width) at(`rows[${r}]`, `has ${row.length} cells; every row must have ${width}`);
    cells += row.length;
    if (cells > MAX_TABLE_CELLS) at("rows", `hold more than ${MAX_TABLE_CELLS} cells`);
    return row.map((c, i) => cell(c, `rows[${r}][${i}]`));
  });
  if (rowHeaders && rowHeaders.length !== rows.length)
    at("rowHeaders", `has ${rowHeaders.length} headers for ${rows.length} rows`);
  if (typeof result.enableSortingAndFiltering !== "boolean")
    at("enableSortingAndFiltering", "must be a boolean");
  return {
    type: "table",
    columnHeaders,
    rowHeaders,
    rows,
    enableSortingAndFiltering: result.enableSortingAndFiltering,
  };
}

function byKind(result: Json, kind: ViewKind): ViewResultJSON {
  if (result.type !== kind) {
    at("type", `is ${JSON.stringify(result.type)}, but the view was declared as a ${kind} view`);
  }
  switch (kind) {
    case "data": {
      const groups = array(result.groups, "groups");
      if (groups.length !== 1) at("groups", `must hold exactly one group (got ${groups.length})`);
      return { type: "data", groups: [group(groups[0], "groups[0]", 1)] };
    }
    case "table":
      return table(result);
    case "web": {
      const html = string(result.html, "html");
      if (Buffer.byteLength(html) > MAX_HTML_BYTES) at("html", `is larger than ${MAX_HTML_BYTES} bytes`);
      return { type: "web", html };
    }
  }
}

/**
 * Checks `value` (a result as an app process sent it) against the result JSON's shapes and limits; answers the
 * rebuilt result, or the first broken rule.
 */
export function checkResult(value: unknown, options: ResultCheckOptions): ResultCheck {
  // The message's size bounds the result's; only a message over the cap needs the exact count.
  if (options.receivedBytes > options.maxBytes) {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? "");
    if (bytes > options.maxBytes) {
      return {
        ok: false,
        reason: `the result is ${bytes} bytes; this hub accepts at most ${options.maxBytes} (GATEHOUSE_APP_RESULT_MAX_BYTES)`,
      };
    }
  }
  try {
    const result = object(value, "the result");
    return { ok: true, result: byKind(result, options.kind) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}
