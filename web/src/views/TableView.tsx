import { useId, useMemo, useState } from "react";
import { downloadCsv, toCsv } from "./csv.ts";
import { formatValue, type CellValue, type TableJson } from "./result.ts";

type Sort = { column: number; direction: "ascending" | "descending" } | null;

function compare(a: CellValue, b: CellValue): number {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
}

const textStyles: Record<string, React.CSSProperties> = {
  bold: { fontWeight: 700 },
  italic: { fontStyle: "italic" },
  underline: { textDecoration: "underline" },
};

/** A TableResult: column headers sort, a filter narrows the rows, and the shown rows download as CSV. */
export function TableView({ table, title, filename }: { table: TableJson; title: string; filename: string }) {
  const [sort, setSort] = useState<Sort>(null);
  const [filter, setFilter] = useState("");
  const filterId = useId();
  const width = Math.max(table.columnHeaders?.length ?? 0, ...table.rows.map((r) => r.length), 0);
  const headers = Array.from(
    { length: width },
    (_, i) => table.columnHeaders?.[i] ?? { title: `Column ${i + 1}` },
  );
  const interactive = table.enableSortingAndFiltering;
  // Columns of numbers line up on the right, header included.
  const numeric = headers.map(
    (_, i) =>
      table.rows.length > 0 &&
      table.rows.every(
        (row) => row[i] === undefined || row[i].value === null || typeof row[i].value === "number",
      ),
  );

  const shown = useMemo(() => {
    let rows = table.rows.map((cells, index) => ({ cells, index }));
    const needle = filter.trim().toLowerCase();
    if (needle) {
      rows = rows.filter(({ cells, index }) =>
        [
          table.rowHeaders?.[index]?.title ?? "",
          ...cells.map((c, i) => formatValue(c.value, headers[i]?.numDecimals)),
        ]
          .join("\u0000")
          .toLowerCase()
          .includes(needle),
      );
    }
    if (sort) {
      const sign = sort.direction === "ascending" ? 1 : -1;
      rows = [...rows].sort(
        (x, y) =>
          sign * compare(x.cells[sort.column]?.value ?? null, y.cells[sort.column]?.value ?? null) ||
          x.index - y.index,
      );
    }
    return rows;
  }, [table, filter, sort, headers]);

  function toggleSort(column: number) {
    setSort((current) =>
      current?.column === column
        ? current.direction === "ascending"
          ? { column, direction: "descending" }
          : null
        : { column, direction: "ascending" },
    );
  }

  function download() {
    const hasRowHeaders = Boolean(table.rowHeaders?.length);
    const head = [...(hasRowHeaders ? [""] : []), ...headers.map((h) => h.title)];
    const body = shown.map(({ cells, index }) => [
      ...(hasRowHeaders ? [table.rowHeaders?.[index]?.title ?? ""] : []),
      ...headers.map((_, i) => cells[i]?.value ?? null),
    ]);
    downloadCsv(toCsv([head, ...body]), filename);
  }

  return (
    <div className="table-view">
      <div className="toolbar">
        {interactive ? (
          <span className="filter">
            <label htmlFor={filterId}>Filter rows</label>
            <input id={filterId} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </span>
        ) : null}
        <span className="muted small" role="status" aria-live="polite">
          {shown.length === table.rows.length
            ? `${table.rows.length} ${table.rows.length === 1 ? "row" : "rows"}`
            : `${shown.length} of ${table.rows.length} rows`}
        </span>
        <button type="button" className="secondary small" onClick={download}>
          Download CSV
        </button>
      </div>
      {table.rows.length === 0 ? <p className="empty">This table has no rows.</p> : null}
      {table.rows.length > 0 ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title} (scrollable)`}>
          <table className="data-table">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                {table.rowHeaders?.length ? <td /> : null}
                {headers.map((header, i) => (
                  <th
                    key={i}
                    scope="col"
                    aria-sort={sort?.column === i ? sort.direction : interactive ? "none" : undefined}
                    style={{ textAlign: header.align ?? (numeric[i] ? "right" : undefined) }}
                  >
                    {interactive ? (
                      <button type="button" className="sort-button" onClick={() => toggleSort(i)}>
                        {header.title}
                        <span aria-hidden="true" className="sort-mark">
                          {sort?.column === i ? (sort.direction === "ascending" ? " ▲" : " ▼") : " ↕"}
                        </span>
                      </button>
                    ) : (
                      header.title
                    )}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map(({ cells, index }) => (
                <tr key={index}>
                  {table.rowHeaders?.length ? (
                    <th scope="row">{table.rowHeaders[index]?.title ?? ""}</th>
                  ) : null}
                  {headers.map((header, i) => {
                    const cell = cells[i];
                    return (
                      <td
                        key={i}
                        style={{
                          textAlign: header.align ?? (typeof cell?.value === "number" ? "right" : undefined),
                          color: cell?.textColor,
                          backgroundColor: cell?.backgroundColor,
                          ...(cell?.textStyle ? textStyles[cell.textStyle] : undefined),
                        }}
                      >
                        {formatValue(cell?.value ?? null, header.numDecimals)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
