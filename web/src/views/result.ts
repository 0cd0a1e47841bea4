/**
 * The view result JSON (src/sdk/README.md) as the UI reads it. Field names follow the SDK's constructors
 * (DataItem, DataGroup, TableResult, TableCell, TableHeader); a few wrappers are accepted so the UI does
 * not break when the hub nests the payload one level deeper.
 */

import { asText } from "../text.ts";

export type DataStatus = "info" | "success" | "warning" | "error";

export interface DataItemJson {
  label: string;
  value?: string | number | boolean | null;
  prefix?: string;
  suffix?: string;
  numberOfDecimals?: number;
  status?: DataStatus;
  statusMessage?: string;
  explanationLabel?: string;
  subgroup?: DataItemJson[];
  /** The SDK's own rendering of prefix, rounded value and suffix. */
  display?: string;
}

export type CellValue = string | number | boolean | null;
export interface TableCellJson {
  value: CellValue;
  textColor?: string;
  backgroundColor?: string;
  textStyle?: string;
}
export interface TableHeaderJson {
  title: string;
  align?: "left" | "center" | "right";
  numDecimals?: number;
}
export interface TableJson {
  rows: TableCellJson[][];
  columnHeaders: TableHeaderJson[] | null;
  rowHeaders: TableHeaderJson[] | null;
  enableSortingAndFiltering: boolean;
}

export type ViewResult =
  | { kind: "data"; items: DataItemJson[] }
  | { kind: "table"; table: TableJson }
  | { kind: "web"; html: string }
  | { kind: "unknown"; raw: unknown };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function itemsOf(group: unknown): unknown[] | null {
  if (Array.isArray(group)) return group as unknown[];
  if (isObj(group)) {
    // The SDK's DataResult JSON: {type: "data", groups: [{items}]}.
    if (Array.isArray(group.groups)) return group.groups.flatMap((g) => itemsOf(g) ?? []);
    for (const key of ["items", "group", "data", "subgroup"]) {
      const inner = itemsOf(group[key]);
      if (inner) return inner;
    }
  }
  return null;
}

function toItem(raw: unknown): DataItemJson {
  const o = isObj(raw) ? raw : {};
  const sub = o.subgroup !== undefined && o.subgroup !== null ? itemsOf(o.subgroup) : null;
  const value = o.value;
  return {
    label: asText(o.label),
    value:
      value === undefined || value === null || ["string", "number", "boolean"].includes(typeof value)
        ? (value as DataItemJson["value"])
        : JSON.stringify(value),
    prefix: typeof o.prefix === "string" && o.prefix ? o.prefix : undefined,
    suffix: typeof o.suffix === "string" && o.suffix ? o.suffix : undefined,
    numberOfDecimals: typeof o.numberOfDecimals === "number" ? o.numberOfDecimals : undefined,
    status: ["info", "success", "warning", "error"].includes(asText(o.status))
      ? (o.status as DataStatus)
      : undefined,
    statusMessage: typeof o.statusMessage === "string" ? o.statusMessage : undefined,
    explanationLabel: typeof o.explanationLabel === "string" ? o.explanationLabel : undefined,
    subgroup: sub ? sub.map(toItem) : undefined,
    display: typeof o.display === "string" ? o.display : undefined,
  };
}

function toCell(raw: unknown): TableCellJson {
  if (isObj(raw) && "value" in raw) {
    return {
      value: raw.value as CellValue,
      textColor: typeof raw.textColor === "string" ? raw.textColor : undefined,
      backgroundColor: typeof raw.backgroundColor === "string" ? raw.backgroundColor : undefined,
      textStyle: typeof raw.textStyle === "string" ? raw.textStyle : undefined,
    };
  }
  return { value: raw === undefined ? null : (raw as CellValue) };
}

function toHeaders(raw: unknown): TableHeaderJson[] | null {
  if (!Array.isArray(raw)) return null;
  return raw.map((h) =>
    isObj(h)
      ? {
          title: asText(h.title ?? h.label),
          align: ["left", "center", "right"].includes(asText(h.align))
            ? (h.align as TableHeaderJson["align"])
            : undefined,
          numDecimals: typeof h.numDecimals === "number" ? h.numDecimals : undefined,
        }
      : { title: asText(h) },
  );
}

/** Reads whatever a view returned into one of the three renderable kinds. */
export function parseResult(raw: unknown): ViewResult {
  let o: unknown = raw;
  // Unwrap {result: …} envelopes.
  while (isObj(o) && isObj(o.result) && !("type" in o && "rows" in o)) o = o.result;
  if (!isObj(o)) return { kind: "unknown", raw };
  const type = asText(o.type ?? o.kind).toLowerCase();
  if (type.includes("web") || typeof o.html === "string") {
    return { kind: "web", html: asText(o.html ?? o.content) };
  }
  const tableSource = isObj(o.table) ? o.table : o;
  if (type.includes("table") || Array.isArray(tableSource.rows)) {
    const rows = Array.isArray(tableSource.rows) ? tableSource.rows : [];
    return {
      kind: "table",
      table: {
        rows: rows.map((row) => (Array.isArray(row) ? row.map(toCell) : [toCell(row)])),
        columnHeaders: toHeaders(tableSource.columnHeaders),
        rowHeaders: toHeaders(tableSource.rowHeaders),
        enableSortingAndFiltering: tableSource.enableSortingAndFiltering !== false,
      },
    };
  }
  const items = itemsOf(o);
  if (type.includes("data") || items) return { kind: "data", items: (items ?? []).map(toItem) };
  return { kind: "unknown", raw };
}

/** Formats a number with a fixed number of decimals; other values as text. */
export function formatValue(value: CellValue | undefined, decimals?: number): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" && decimals !== undefined && Number.isFinite(value))
    return value.toLocaleString(undefined, {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
  if (typeof value === "number") return value.toLocaleString();
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return value;
}
