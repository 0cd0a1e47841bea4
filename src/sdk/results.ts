/**
 * What a view returns. Each result checks its limits when it is built (so the error points at the line of
 * app code that broke them) and has a `toJSON()` giving exactly what the views API answers; the JSON shapes
 * are documented in src/sdk/README.md.
 */
import {
  DATA_STATUSES,
  isDecimals,
  isOneOf,
  isScalarValue,
  MAX_DECIMALS,
  MAX_GROUP_DEPTH,
  MAX_GROUP_ITEMS,
  MAX_HTML_BYTES,
} from "./limits.ts";

import { describe, ResultError, typeOf } from "./resultChecks.ts";
import type { TableResult, TableResultJSON } from "./tableResult.ts";

export { ResultError } from "./resultChecks.ts";
export * from "./tableResult.ts";

export { MAX_GROUP_DEPTH, MAX_GROUP_ITEMS, MAX_HTML_BYTES, MAX_TABLE_CELLS } from "./limits.ts";

/** How a DataItem is flagged in the UI. */
export const DataStatus = {
  INFO: "info",
  SUCCESS: "success",
  WARNING: "warning",
  ERROR: "error",
} as const satisfies Record<string, (typeof DATA_STATUSES)[number]>;
export type DataStatus = (typeof DataStatus)[keyof typeof DataStatus];

export type DataValue = string | number | boolean | null;

interface DataItemBaseOptions {
  subgroup?: DataGroup;
  prefix?: string;
  suffix?: string;
  status?: DataStatus;
  statusMessage?: string;
  explanationLabel?: string;
}
const TEXT_OPTIONS = ["prefix", "suffix", "statusMessage", "explanationLabel"] as const;

/** Options for an item whose value is a number: only then may `numberOfDecimals` be given. */
export interface DataItemNumberOptions extends DataItemBaseOptions {
  numberOfDecimals?: number;
}
export type DataItemOptions = DataItemBaseOptions;

export interface DataItemJSON {
  label: string;
  value: DataValue;
  /** The value as the UI shows it: prefix, value rounded to numberOfDecimals, suffix. */
  display: string;
  prefix: string | null;
  suffix: string | null;
  numberOfDecimals: number | null;
  status: DataStatus | null;
  statusMessage: string | null;
  explanationLabel: string | null;
  subgroup: DataGroupJSON | null;
}
export interface DataGroupJSON {
  items: DataItemJSON[];
}

/** One labelled value in a DataResult; a `subgroup` nests further items below it. */
export class DataItem {
  readonly label: string;
  readonly value: DataValue;
  readonly options: DataItemNumberOptions;

  constructor(label: string, value: number, options?: DataItemNumberOptions);
  constructor(label: string, value?: DataValue, options?: DataItemOptions);
  constructor(label: string, value: DataValue = null, options: DataItemNumberOptions = {}) {
    if (typeof label !== "string")
      throw new ResultError(`DataItem label must be a string (got ${typeof label})`);
    const name = `DataItem ${describe(label)}`;
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new ResultError(`${name}: value must be a finite number (got ${value})`);
    }
    if (!isScalarValue(value)) {
      throw new ResultError(`${name}: value must be a string, number, boolean or null (got ${typeof value})`);
    }
    const { numberOfDecimals, status, subgroup } = options;
    if (numberOfDecimals !== undefined) {
      if (typeof value !== "number") {
        throw new ResultError(
          `${name}: numberOfDecimals applies to number values only (value is ${typeof value})`,
        );
      }
      if (!isDecimals(numberOfDecimals)) {
        throw new ResultError(
          `${name}: numberOfDecimals must be an integer from 0 to ${MAX_DECIMALS} (got ${numberOfDecimals})`,
        );
      }
    }
    if (status !== undefined && !isOneOf(DATA_STATUSES, status)) {
      throw new ResultError(
        `${name}: status must be one of ${DATA_STATUSES.join(", ")} (got ${String(status)})`,
      );
    }
    if (subgroup !== undefined && !(subgroup instanceof DataGroup)) {
      throw new ResultError(`${name}: subgroup must be a DataGroup`);
    }
    for (const option of TEXT_OPTIONS) {
      // The types say so at compile time; a JavaScript app, or a cast, reaches here with anything.
      const text: unknown = options[option];
      if (text !== undefined && typeof text !== "string") {
        throw new ResultError(`${name}: ${option} must be a string (got ${typeof text})`);
      }
    }
    this.label = label;
    this.value = value;
    this.options = { ...options };
  }

  /** The formatted value: prefix, the number rounded to numberOfDecimals, suffix. */
  get display(): string {
    const { prefix, suffix, numberOfDecimals } = this.options;
    let text: string;
    if (this.value === null) text = "";
    else if (typeof this.value === "number" && numberOfDecimals !== undefined)
      text = this.value.toFixed(numberOfDecimals);
    else text = String(this.value);
    return [prefix, text, suffix].filter((part) => part !== undefined && part !== "").join(" ");
  }

  toJSON(): DataItemJSON {
    const o = this.options;
    return {
      label: this.label,
      value: this.value,
      display: this.display,
      prefix: o.prefix ?? null,
      suffix: o.suffix ?? null,
      numberOfDecimals: o.numberOfDecimals ?? null,
      status: o.status ?? null,
      statusMessage: o.statusMessage ?? null,
      explanationLabel: o.explanationLabel ?? null,
      subgroup: o.subgroup ? o.subgroup.toJSON() : null,
    };
  }
}

/** An ordered group of at most 100 DataItems. */
export class DataGroup {
  readonly items: readonly DataItem[];

  constructor(...items: DataItem[]) {
    items.forEach((item, index) => {
      if (!(item instanceof DataItem)) {
        throw new ResultError(`DataGroup item ${index + 1} must be a DataItem (got ${typeOf(item)})`);
      }
    });
    if (items.length > MAX_GROUP_ITEMS) {
      const extra = items[MAX_GROUP_ITEMS]!;
      throw new ResultError(
        `DataGroup has ${items.length} items; at most ${MAX_GROUP_ITEMS} are allowed (item ${MAX_GROUP_ITEMS + 1} is DataItem ${describe(extra.label)})`,
      );
    }
    this.items = Object.freeze([...items]);
  }

  toJSON(): DataGroupJSON {
    return { items: this.items.map((item) => item.toJSON()) };
  }
}

/** Checks the nesting depth below `group` (depth 1 = the result's own group). */
function checkDepth(group: DataGroup, depth: number, path: string[]): void {
  for (const item of group.items) {
    const sub = item.options.subgroup;
    if (!sub) continue;
    const here = [...path, describe(item.label)];
    if (depth + 1 > MAX_GROUP_DEPTH) {
      throw new ResultError(
        `DataItem ${here.join(" > ")} has a subgroup at nesting depth ${depth + 1}; at most ${MAX_GROUP_DEPTH} levels are allowed`,
      );
    }
    checkDepth(sub, depth + 1, here);
  }
}

export interface DataResultJSON {
  type: "data";
  groups: DataGroupJSON[];
}

/** What a dataView returns: a tree of labelled values, at most three groups deep. */
export class DataResult {
  readonly group: DataGroup;
  constructor(group: DataGroup) {
    if (!(group instanceof DataGroup))
      throw new ResultError(`DataResult takes a DataGroup (got ${typeOf(group)})`);
    checkDepth(group, 1, []);
    this.group = group;
  }
  toJSON(): DataResultJSON {
    return { type: "data", groups: [this.group.toJSON()] };
  }
}

export interface WebResultJSON {
  type: "web";
  html: string;
}

/** What a webView returns: an HTML document the UI shows in a sandboxed frame. */
export class WebResult {
  readonly html: string;
  constructor(options: { html: string }) {
    if (typeof options?.html !== "string") throw new ResultError("WebResult takes { html: string }");
    if (Buffer.byteLength(options.html) > MAX_HTML_BYTES) {
      throw new ResultError(`WebResult html is larger than ${MAX_HTML_BYTES} bytes`);
    }
    this.html = options.html;
  }
  toJSON(): WebResultJSON {
    return { type: "web", html: this.html };
  }
}

export type ViewResult = DataResult | TableResult | WebResult;
export type ViewResultJSON = DataResultJSON | TableResultJSON | WebResultJSON;
