import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RESULT_MAX_BYTES, MAX_HTML_BYTES } from "../sdk/limits.ts";
import {
  DataGroup,
  DataItem,
  DataResult,
  TableCell,
  TableHeader,
  TableResult,
  WebResult,
} from "../sdk/results.ts";
import { checkResult, type ResultCheckOptions } from "./resultLimits.ts";

const options = (kind: ResultCheckOptions["kind"], extra: Partial<ResultCheckOptions> = {}) => ({
  kind,
  maxBytes: DEFAULT_RESULT_MAX_BYTES,
  receivedBytes: 100,
  ...extra,
});
/** As the hub receives it: parsed JSON, not the SDK's objects. */
const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
const reason = (value: unknown, kind: ResultCheckOptions["kind"] = "data") => {
  const check = checkResult(value, options(kind));
  if (check.ok) throw new Error("expected a refusal");
  return check.reason;
};

const deepData = new DataResult(
  new DataGroup(
    new DataItem("a", 1.5, { numberOfDecimals: 1, prefix: "€", status: "warning", statusMessage: "m" }),
    new DataItem("b", null, {
      subgroup: new DataGroup(
        new DataItem("c", true, {
          subgroup: new DataGroup(new DataItem("d", "x", { explanationLabel: "e" })),
        }),
      ),
    }),
  ),
);
const table = new TableResult(
  [
    [1, new TableCell("x", { textColor: "#b00020", backgroundColor: "#fff", textStyle: "bold" })],
    [null, false],
  ],
  {
    columnHeaders: ["n", new TableHeader("s", { align: "right", numDecimals: 2 })],
    rowHeaders: ["r1", "r2"],
    enableSortingAndFiltering: true,
  },
);

describe("checkResult", () => {
  it("passes what the SDK builds, unchanged", () => {
    expect(checkResult(wire(deepData), options("data"))).toEqual({ ok: true, result: deepData.toJSON() });
    expect(checkResult(wire(table), options("table"))).toEqual({ ok: true, result: table.toJSON() });
    const web = new WebResult({ html: "<p>hi</p>" });
    expect(checkResult(wire(web), options("web"))).toEqual({ ok: true, result: web.toJSON() });
    const empty = new TableResult([]);
    expect(checkResult(wire(empty), options("table"))).toEqual({ ok: true, result: empty.toJSON() });
  });

  it("drops fields the result JSON does not have", () => {
    const json = wire(deepData) as { groups: { items: Record<string, unknown>[] }[]; extra?: string };
    json.extra = "<script>";
    json.groups[0]!.items[0]!.onclick = "steal()";
    const check = checkResult(json, options("data"));
    expect(check).toEqual({ ok: true, result: deepData.toJSON() });
  });

  it("refuses a result of another kind than the view declared", () => {
    expect(reason(wire(new WebResult({ html: "<script>" })), "data")).toBe(
      'type is "web", but the view was declared as a data view',
    );
    expect(reason({ type: "nope" }, "table")).toMatch(/type is "nope"/);
    for (const value of [null, [], "data", 5]) expect(reason(value)).toBe("the result must be an object");
  });

  it("applies the SDK's limits: depth, items per group, one group", () => {
    const nest = (levels: number): unknown => ({
      items: [
        {
          ...wire(new DataItem("x", 1)),
          subgroup: levels > 1 ? nest(levels - 1) : null,
        },
      ],
    });
    expect(checkResult({ type: "data", groups: [nest(3)] }, options("data")).ok).toBe(true);
    expect(reason({ type: "data", groups: [nest(4)] })).toBe(
      "groups[0].items[0].subgroup.items[0].subgroup.items[0].subgroup is at nesting depth 4; at most 3 levels",
    );
    const item = wire(new DataItem("x", 1));
    expect(reason({ type: "data", groups: [{ items: Array(101).fill(item) }] })).toBe(
      "groups[0].items has 101 items; at most 100",
    );
    expect(reason({ type: "data", groups: [] })).toMatch(/exactly one group \(got 0\)/);
    expect(reason({ type: "data", groups: [{ items: [] }, { items: [] }] })).toMatch(/got 2/);
  });

  it("refuses values of the wrong type, including what JSON turns into Infinity", () => {
    const item = (patch: Record<string, unknown>) => ({
      type: "data",
      groups: [{ items: [{ ...(wire(new DataItem("x", 1)) as object), ...patch }] }],
    });
    expect(
      reason(
        JSON.parse(
          `{"type":"data","groups":[{"items":[${JSON.stringify(item({}).groups[0]!.items[0]).replace('"value":1', '"value":1e400')}]}]}`,
        ),
      ),
    ).toBe("groups[0].items[0].value must be a string, finite number, boolean or null");
    expect(reason(item({ value: { nested: 1 } }))).toMatch(/value must be a string/);
    expect(reason(item({ label: 7 }))).toBe("groups[0].items[0].label must be a string");
    expect(reason(item({ status: "fatal" }))).toBe(
      "groups[0].items[0].status must be one of info, success, warning, error or null",
    );
    expect(reason(item({ numberOfDecimals: 21 }))).toMatch(
      /numberOfDecimals must be an integer from 0 to 20/,
    );
    expect(reason(item({ prefix: undefined }))).toBe("groups[0].items[0].prefix must be a string or null");
  });

  it("applies the table rules: equal rows, one row header per row, the cell limit, colors", () => {
    const row = (n: number) => Array.from({ length: n }, () => wire(new TableCell(1)));
    const base = wire(new TableResult([]));
    expect(reason({ ...base, rows: [row(2), row(3)] }, "table")).toBe(
      "rows[1] has 3 cells; every row must have 2",
    );
    expect(reason({ ...base, rows: [row(1)], rowHeaders: [] }, "table")).toBe(
      "rowHeaders has 0 headers for 1 rows",
    );
    const many = Array.from({ length: 100_001 }, () => row(1)[0]);
    expect(reason({ ...base, rows: many.map((c) => [c]) }, "table")).toBe("rows hold more than 100000 cells");
    const red = { ...(row(1)[0] as object), textColor: "red" };
    expect(reason({ ...base, rows: [[red]] }, "table")).toBe(
      "rows[0][0].textColor must be a hex color like #1a2b3c or null",
    );
    expect(reason({ ...base, enableSortingAndFiltering: "yes" }, "table")).toBe(
      "enableSortingAndFiltering must be a boolean",
    );
  });

  it("caps html and the whole result's bytes", () => {
    expect(reason({ type: "web", html: "x".repeat(MAX_HTML_BYTES + 1) }, "web")).toBe(
      `html is larger than ${MAX_HTML_BYTES} bytes`,
    );
    const html = { type: "web", html: "x".repeat(2_000) };
    const over = checkResult(html, options("web", { maxBytes: 1_000, receivedBytes: 2_100 }));
    expect(over).toEqual({
      ok: false,
      reason: "the result is 2024 bytes; this hub accepts at most 1000 (GATEHOUSE_APP_RESULT_MAX_BYTES)",
    });
    // A large envelope (e.g. a long id) around a small result still passes: the result is measured.
    const small = { type: "web", html: "x" };
    expect(checkResult(small, options("web", { maxBytes: 100, receivedBytes: 5_000 })).ok).toBe(true);
  });

  it("answers ok or a reason for any JSON, never throws", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom("data", "table", "web" as const), (value, kind) => {
        const check = checkResult(value, options(kind));
        expect(typeof check.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });
});
