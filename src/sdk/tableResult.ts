/** What a tableView returns: rows of cells under column headers (src/sdk/README.md, "Result JSON"). */
import { isList } from "./guards.ts";
import {
  ALIGNS,
  HEX_COLOR,
  isDecimals,
  isOneOf,
  isScalarValue,
  MAX_DECIMALS,
  MAX_TABLE_CELLS,
  TEXT_STYLES,
} from "./limits.ts";
import { describe, ResultError, typeOf } from "./resultChecks.ts";

export type TableValue = string | number | boolean | null;
export type TextStyle = "bold" | "italic" | "underline";
export type Align = "left" | "center" | "right";

export interface TableCellOptions {
  /** CSS hex color, e.g. "#b00020". */
  textColor?: string;
  backgroundColor?: string;
  textStyle?: TextStyle;
}
export interface TableCellJSON {
  value: TableValue;
  textColor: string | null;
  backgroundColor: string | null;
  textStyle: TextStyle | null;
}

function checkValue(value: unknown, where: string): TableValue {
  if (isScalarValue(value)) return value;
  throw new ResultError(
    `${where}: a cell value must be a string, finite number, boolean or null (got ${typeOf(value)})`,
  );
}

/** One styled table cell; plain values in a row are cells without styling. */
export class TableCell {
  readonly value: TableValue;
  readonly options: TableCellOptions;
  constructor(value: TableValue, options: TableCellOptions = {}) {
    this.value = checkValue(value, "TableCell");
    for (const key of ["textColor", "backgroundColor"] as const) {
      const color = options[key];
      if (color !== undefined && !HEX_COLOR.test(color)) {
        throw new ResultError(
          `TableCell ${JSON.stringify(value)}: ${key} must be a hex color like #1a2b3c (got ${color})`,
        );
      }
    }
    if (options.textStyle !== undefined && !isOneOf(TEXT_STYLES, options.textStyle)) {
      throw new ResultError(
        `TableCell ${JSON.stringify(value)}: textStyle must be one of ${TEXT_STYLES.join(", ")}`,
      );
    }
    this.options = { ...options };
  }
  toJSON(): TableCellJSON {
    return {
      value: this.value,
      textColor: this.options.textColor ?? null,
      backgroundColor: this.options.backgroundColor ?? null,
      textStyle: this.options.textStyle ?? null,
    };
  }
}

export interface TableHeaderOptions {
  align?: Align;
  /** Numbers in this column (or row) are shown with this many decimals. */
  numDecimals?: number;
}
export interface TableHeaderJSON {
  title: string;
  align: Align | null;
  numDecimals: number | null;
}

/** A column or row header. */
export class TableHeader {
  constructor(
    readonly title: string,
    readonly options: TableHeaderOptions = {},
  ) {
    if (typeof title !== "string")
      throw new ResultError(`TableHeader title must be a string (got ${typeOf(title)})`);
    if (options.align !== undefined && !isOneOf(ALIGNS, options.align)) {
      throw new ResultError(`TableHeader ${describe(title)}: align must be one of ${ALIGNS.join(", ")}`);
    }
    const d = options.numDecimals;
    if (d !== undefined && !isDecimals(d)) {
      throw new ResultError(
        `TableHeader ${describe(title)}: numDecimals must be an integer from 0 to ${MAX_DECIMALS} (got ${d})`,
      );
    }
  }
  toJSON(): TableHeaderJSON {
    return {
      title: this.title,
      align: this.options.align ?? null,
      numDecimals: this.options.numDecimals ?? null,
    };
  }
}

export interface TableResultOptions {
  columnHeaders?: readonly (string | TableHeader)[];
  rowHeaders?: readonly (string | TableHeader)[];
  enableSortingAndFiltering?: boolean;
}
export interface TableResultJSON {
  type: "table";
  columnHeaders: TableHeaderJSON[] | null;
  rowHeaders: TableHeaderJSON[] | null;
  rows: TableCellJSON[][];
  enableSortingAndFiltering: boolean;
}

const toHeader = (header: string | TableHeader): TableHeader =>
  header instanceof TableHeader ? header : new TableHeader(header);

/** What a tableView returns: rows of cells, every row as long as the column headers. */
export class TableResult {
  readonly rows: readonly (readonly TableCell[])[];
  readonly columnHeaders: readonly TableHeader[] | null;
  readonly rowHeaders: readonly TableHeader[] | null;
  readonly enableSortingAndFiltering: boolean;

  constructor(rows: readonly (readonly (TableValue | TableCell)[])[], options: TableResultOptions = {}) {
    if (!isList(rows))
      throw new ResultError(`TableResult rows must be an array of rows (got ${typeOf(rows)})`);
    this.columnHeaders = options.columnHeaders ? options.columnHeaders.map(toHeader) : null;
    this.rowHeaders = options.rowHeaders ? options.rowHeaders.map(toHeader) : null;
    const width = this.columnHeaders?.length ?? (rows[0] ? rows[0].length : 0);
    const widthSource = this.columnHeaders ? `${width} column headers` : `row 1 has ${width} cells`;
    let cells = 0;
    this.rows = rows.map((row, r) => {
      if (!Array.isArray(row)) throw new ResultError(`TableResult row ${r + 1} must be an array of cells`);
      if (row.length !== width) {
        throw new ResultError(`TableResult row ${r + 1} has ${row.length} cells but ${widthSource}`);
      }
      cells += row.length;
      if (cells > MAX_TABLE_CELLS)
        throw new ResultError(`TableResult has more than ${MAX_TABLE_CELLS} cells`);
      return row.map((cell, c) =>
        cell instanceof TableCell
          ? cell
          : new TableCell(checkValue(cell, `TableResult row ${r + 1} cell ${c + 1}`)),
      );
    });
    if (this.rowHeaders && this.rowHeaders.length !== this.rows.length) {
      throw new ResultError(
        `TableResult has ${this.rows.length} rows but ${this.rowHeaders.length} row headers; give one header per row`,
      );
    }
    this.enableSortingAndFiltering = options.enableSortingAndFiltering ?? false;
  }

  toJSON(): TableResultJSON {
    return {
      type: "table",
      columnHeaders: this.columnHeaders ? this.columnHeaders.map((h) => h.toJSON()) : null,
      rowHeaders: this.rowHeaders ? this.rowHeaders.map((h) => h.toJSON()) : null,
      rows: this.rows.map((row) => row.map((cell) => cell.toJSON())),
      enableSortingAndFiltering: this.enableSortingAndFiltering,
    };
  }
}

// ---- web ----
