/**
 * Compile-time checks: `npm run typecheck` fails if a misuse below stops being a type error (each
 * `@ts-expect-error` must have an error to expect). The runtime assertions keep vitest honest too.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  DataGroup,
  DataItem,
  DataResult,
  TableResult,
  WebResult,
  dataView as looseDataView,
  defineApp,
  viewsFor,
  integerField,
  numberField,
  optionField,
  tableView,
  text,
  textField,
  booleanField,
} from "../../src/sdk/index.ts";

describe("sdk types", () => {
  it("gives each view handler the params its parametrization describes", () => {
    const parametrization = {
      intro: text("# Hi"),
      name: textField({ label: "Name" }),
      count: integerField({ default: 3, min: 1 }),
      ratio: numberField({ min: 0 }),
      verbose: booleanField(),
      unit: optionField(["m", "mm"], { default: "m" }),
    };
    const { dataView } = viewsFor(parametrization);
    const app = defineApp({
      parametrization,
      views: {
        data: dataView("Data", { durationGuess: 1 }, ({ params }) => {
          expectTypeOf(params.name).toEqualTypeOf<string>();
          expectTypeOf(params.count).toEqualTypeOf<number>();
          expectTypeOf(params.ratio).toEqualTypeOf<number | null>();
          expectTypeOf(params.verbose).toEqualTypeOf<boolean>();
          expectTypeOf(params.unit).toEqualTypeOf<"m" | "mm">();
          // @ts-expect-error text blocks carry no value
          void params.intro;
          // @ts-expect-error count is a number
          const wrong: string = params.count;
          void wrong;
          return new DataResult(new DataGroup(new DataItem("n", params.count, { numberOfDecimals: 0 })));
        }),
        table: tableView("Table", {}, () => new TableResult([[1, "a"]], { columnHeaders: ["n", "s"] })),
      },
    });
    expect(Object.keys(app.views)).toEqual(["data", "table"]);
  });

  it("gives inline handlers loosely typed params", () => {
    const app = defineApp({
      parametrization: { n: integerField({ default: 1 }) },
      views: {
        v: looseDataView("V", {}, ({ params }) => {
          expectTypeOf(params.n).toEqualTypeOf<string | number | boolean | null | undefined>();
          return new DataResult(new DataGroup());
        }),
      },
    });
    expect(app.views.v?.label).toBe("V");
  });

  it("rejects misuse at compile time", () => {
    const misuse = () => {
      // @ts-expect-error numberOfDecimals only for numbers
      new DataItem("label", "text", { numberOfDecimals: 2 });
      // @ts-expect-error a dataView must return a DataResult
      looseDataView("Wrong", {}, () => new WebResult({ html: "<p>" }));
      // @ts-expect-error an option default must be one of the options
      optionField(["a", "b"], { default: "c" });
      // @ts-expect-error text fields have no min
      textField({ min: 1 });
      // @ts-expect-error a number field's default is a number
      numberField({ default: "3" });
    };
    expect(typeof misuse).toBe("function");
  });
});
