/** The SDK's result types: limits fail with a message naming the item; toJSON gives the views API's JSON. */
import { describe, expect, it } from "vitest";
import {
  DataGroup,
  DataItem,
  DataResult,
  DataStatus,
  ResultError,
  TableCell,
  TableHeader,
  TableResult,
  WebResult,
  defineApp,
  dataView,
  integerField,
  numberField,
  optionField,
  text,
  textField,
  booleanField,
} from "../../src/sdk/index.ts";
import { manifestOf } from "../../src/sdk/app.ts";
import { validateParams } from "../../src/sdk/fields.ts";

const items = (n: number) => Array.from({ length: n }, (_, i) => new DataItem(`item ${i + 1}`, i));

describe("DataGroup and DataItem limits", () => {
  it("holds 100 items and refuses the 101st, naming it", () => {
    expect(new DataGroup(...items(100)).items).toHaveLength(100);
    expect(() => new DataGroup(...items(101))).toThrow(ResultError);
    expect(() => new DataGroup(...items(101))).toThrow(/101 items; at most 100 .*"item 101"/);
  });

  it("nests three levels and refuses a fourth, naming the path", () => {
    const level3 = new DataGroup(new DataItem("leaf", 1));
    const level2 = new DataGroup(new DataItem("two", null, { subgroup: level3 }));
    const level1 = new DataGroup(new DataItem("one", null, { subgroup: level2 }));
    expect(
      new DataResult(level1).toJSON().groups[0]!.items[0]!.subgroup!.items[0]!.subgroup!.items[0]!.label,
    ).toBe("leaf");
    const tooDeep = new DataGroup(new DataItem("zero", null, { subgroup: level1 }));
    expect(() => new DataResult(tooDeep)).toThrow(
      /DataItem "zero" > "one" > "two" has a subgroup at nesting depth 4/,
    );
  });

  it("allows decimals on numbers only, and checks statuses and value types", () => {
    expect(() => new DataItem("x", "text", { numberOfDecimals: 2 } as never)).toThrow(
      /DataItem "x": numberOfDecimals applies to number values only/,
    );
    expect(() => new DataItem("x", 1.5, { numberOfDecimals: -1 })).toThrow(/integer from 0 to 20/);
    expect(() => new DataItem("x", 1, { status: "fatal" as never })).toThrow(/status must be one of/);
    expect(() => new DataItem("x", { a: 1 } as never)).toThrow(
      /value must be a string, number, boolean or null/,
    );
    expect(() => new DataItem("x", Number.NaN)).toThrow(/finite number/);
    expect(() => new DataGroup("nope" as never)).toThrow(/item 1 must be a DataItem/);
    // What the Python SDK refuses too: a text option that is not text (a JavaScript app, or a cast).
    expect(() => new DataItem("x", 1, { prefix: 5 } as never)).toThrow(
      'DataItem "x": prefix must be a string (got number)',
    );
    expect(() => new DataItem("x", 1, { statusMessage: ["a"] } as never)).toThrow(
      /statusMessage must be a string \(got object\)/,
    );
  });

  it("gives the documented JSON, with the display string formatted", () => {
    const item = new DataItem("Length", 12.345, {
      prefix: "≈",
      suffix: "m",
      numberOfDecimals: 1,
      status: DataStatus.WARNING,
      statusMessage: "long",
      explanationLabel: "measured",
    });
    expect(new DataResult(new DataGroup(item)).toJSON()).toEqual({
      type: "data",
      groups: [
        {
          items: [
            {
              label: "Length",
              value: 12.345,
              display: "≈ 12.3 m",
              prefix: "≈",
              suffix: "m",
              numberOfDecimals: 1,
              status: "warning",
              statusMessage: "long",
              explanationLabel: "measured",
              subgroup: null,
            },
          ],
        },
      ],
    });
    expect(JSON.parse(JSON.stringify(new DataResult(new DataGroup(item))))).toEqual(
      new DataResult(new DataGroup(item)).toJSON(),
    );
  });
});

describe("TableResult", () => {
  it("requires every row to be as long as the headers, naming the row", () => {
    expect(() => new TableResult([[1, 2], [3]], { columnHeaders: ["a", "b"] })).toThrow(
      /TableResult row 2 has 1 cells but 2 column headers/,
    );
    expect(() => new TableResult([[1, 2], [3]])).toThrow(/row 2 has 1 cells but row 1 has 2 cells/);
    expect(() => new TableResult([[1], [2]], { rowHeaders: ["only one"] })).toThrow(
      /2 rows but 1 row headers/,
    );
    expect(() => new TableResult([[{} as never]])).toThrow(/row 1 cell 1: a cell value must be/);
  });

  it("checks cell and header styling", () => {
    expect(() => new TableCell("x", { textColor: "red" })).toThrow(/textColor must be a hex color/);
    expect(() => new TableCell("x", { textStyle: "blink" as never })).toThrow(/textStyle must be one of/);
    expect(() => new TableHeader("h", { align: "middle" as never })).toThrow(/align must be one of/);
    expect(() => new TableHeader("h", { numDecimals: 1.5 })).toThrow(/numDecimals must be an integer/);
  });

  it("gives the documented JSON", () => {
    const table = new TableResult(
      [[new TableCell(1.5, { backgroundColor: "#ffeeee", textStyle: "bold" }), "a"]],
      {
        columnHeaders: [new TableHeader("n", { align: "right", numDecimals: 2 }), "s"],
        rowHeaders: ["r1"],
        enableSortingAndFiltering: true,
      },
    );
    expect(table.toJSON()).toEqual({
      type: "table",
      columnHeaders: [
        { title: "n", align: "right", numDecimals: 2 },
        { title: "s", align: null, numDecimals: null },
      ],
      rowHeaders: [{ title: "r1", align: null, numDecimals: null }],
      rows: [
        [
          { value: 1.5, textColor: null, backgroundColor: "#ffeeee", textStyle: "bold" },
          { value: "a", textColor: null, backgroundColor: null, textStyle: null },
        ],
      ],
      enableSortingAndFiltering: true,
    });
  });
});

describe("WebResult", () => {
  it("carries HTML", () => {
    expect(new WebResult({ html: "<p>hi</p>" }).toJSON()).toEqual({ type: "web", html: "<p>hi</p>" });
    expect(() => new WebResult({} as never)).toThrow(/WebResult takes \{ html: string \}/);
  });
});

describe("defineApp and fields", () => {
  const app = defineApp({
    parametrization: {
      intro: text("# Title"),
      name: textField({ label: "Name", default: "x" }),
      count: integerField({ default: 2, min: 1, max: 10 }),
      ratio: numberField({ min: 0, step: 0.5 }),
      flag: booleanField({ description: "on or off" }),
      unit: optionField(["m", "mm"], { default: "m" }),
    },
    views: { v: dataView("V", { durationGuess: 3 }, () => new DataResult(new DataGroup())) },
  });

  it("describes itself as a manifest the hub can show", () => {
    const manifest = manifestOf(app);
    expect(manifest.views).toEqual([{ name: "v", kind: "data", label: "V", durationGuess: 3 }]);
    expect(manifest.parametrization.map((f) => [f.name, f.type])).toEqual([
      ["intro", "text"],
      ["name", "textField"],
      ["count", "integerField"],
      ["ratio", "numberField"],
      ["flag", "booleanField"],
      ["unit", "optionField"],
    ]);
  });

  it("validates params: defaults, types, ranges, steps, options, unknown names", () => {
    const fields = Object.fromEntries(
      manifestOf(app).parametrization.map(({ name, ...f }) => [name, f]),
    ) as never;
    expect(validateParams(fields, {})).toEqual({
      ok: true,
      params: { name: "x", count: 2, ratio: null, flag: false, unit: "m" },
    });
    const bad = validateParams(fields, {
      count: 11,
      ratio: 0.3,
      unit: "km",
      flag: "yes",
      intro: "x",
      extra: 1,
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toEqual([
      { field: "/params/intro", message: "is not a field of this app" },
      { field: "/params/extra", message: "is not a field of this app" },
      { field: "/params/count", message: "must be at most 10" },
      { field: "/params/ratio", message: "must be a multiple of 0.5 from 0" },
      { field: "/params/flag", message: "must be true or false" },
      { field: "/params/unit", message: 'must be one of "m", "mm"' },
    ]);
    expect(validateParams(fields, { count: 2.5 })).toMatchObject({
      ok: false,
      errors: [{ message: "must be a whole number" }],
    });
    expect(validateParams(fields, [])).toMatchObject({ ok: false });
  });

  it("refuses malformed definitions on load", () => {
    expect(() => defineApp({ parametrization: {}, views: {} })).toThrow(/at least one view/);
    expect(() =>
      defineApp({
        parametrization: {},
        views: { "bad name": dataView("x", {}, () => new DataResult(new DataGroup())) },
      }),
    ).toThrow(/view name "bad name"/);
    expect(() => optionField(["a"], { default: "b" as "a" })).toThrow(/not one of the options/);
    expect(() => integerField({ default: 1.5 })).toThrow(/integer/);
    expect(() => numberField({ min: 2, max: 1 })).toThrow(/min is greater than max/);
  });
});
