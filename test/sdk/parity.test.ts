/**
 * The TypeScript half of the SDK parity set (test/fixtures/sdk-parity/README.md): the same fixtures run
 * through python/tests/test_parity.py, so the two SDKs' limits, messages and result JSON cannot drift.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as errors from "../../src/sdk/errors.ts";
import { explainApsHubsWarning, explainProviderError } from "../../src/sdk/explain.ts";
import {
  booleanField,
  dataView,
  integerField,
  numberField,
  optionField,
  tableView,
  text,
  textField,
  webView,
} from "../../src/sdk/index.ts";
import { resolveUrl, setDefaultHostMap } from "../../src/sdk/invocation.ts";
import * as results from "../../src/sdk/results.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/sdk-parity");
const load = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as T;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface BuildCase {
  name: string;
  build: Json;
  json?: Json;
  ok?: true;
  error?: string;
}

const NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = new (...args: any[]) => unknown;
const CLASSES: Record<string, AnyClass> = {
  DataItem: results.DataItem,
  DataGroup: results.DataGroup,
  DataResult: results.DataResult,
  TableResult: results.TableResult,
  TableCell: results.TableCell,
  TableHeader: results.TableHeader,
  WebResult: results.WebResult,
  LoginRequiredError: errors.LoginRequiredError,
  IntegrationNotFoundError: errors.IntegrationNotFoundError,
  IntegrationNotAssignedError: errors.IntegrationNotAssignedError,
  ProviderUnavailableError: errors.ProviderUnavailableError,
  ProviderHttpError: errors.ProviderHttpError,
  CapabilityError: errors.CapabilityError,
  ResultError: results.ResultError,
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const FIELDS: Record<string, (...args: any[]) => unknown> = {
  text,
  textField,
  numberField,
  integerField,
  booleanField,
  optionField: (options: unknown[], fieldOptions: object) => optionField(options as string[], fieldOptions),
};
const VIEWS = { dataView, tableView, webView };

const isNode = (value: Json): value is { [key: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Evaluates a fixture's `build` expression with the TypeScript SDK. */
function evaluate(node: Json): unknown {
  if (Array.isArray(node)) return node.map(evaluate);
  if (!isNode(node)) return node;
  if ("number" in node) return NUMBERS[node.number as string];
  if ("text" in node && "times" in node) return (node.text as string).repeat(node.times as number);
  if ("repeat" in node) return Array.from({ length: node.times as number }, () => evaluate(node.repeat!));
  const args = (node.args === undefined ? [] : evaluate(node.args)) as unknown[];
  const options = Object.fromEntries(
    Object.entries((node.options ?? {}) as { [key: string]: Json }).map(([k, v]) => [k, evaluate(v)]),
  );
  if ("new" in node) {
    const Class = CLASSES[node.new as string]!;
    if (Class === results.WebResult) return new Class(options);
    if (node.options === undefined) return new Class(...args);
    // The options object follows the positional arguments: DataItem(label, value?, options).
    const positional = Class === results.DataItem ? 2 : 1;
    const padded = [...args, ...Array<undefined>(Math.max(0, positional - args.length)).fill(undefined)];
    return new Class(...padded, options);
  }
  if ("field" in node) {
    const name = node.field as string;
    if (name === "text") return FIELDS.text!(...args);
    if (name === "optionField") return FIELDS.optionField!(args[0], options);
    return FIELDS[name]!(options);
  }
  if ("view" in node) {
    const view = VIEWS[node.view as keyof typeof VIEWS](args[0] as string, options, () => {
      throw new Error("not run");
    });
    return { kind: view.kind, label: view.label, durationGuess: view.durationGuess };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, evaluate(v)]));
}

function message(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function runBuildCases(file: string): void {
  const { cases } = load<{ cases: BuildCase[] }>(file);
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    if (c.error !== undefined) {
      expect(message(() => evaluate(c.build))).toBe(c.error);
      return;
    }
    const built = evaluate(c.build);
    if (c.json !== undefined) expect(JSON.parse(JSON.stringify(built))).toEqual(c.json);
    else expect(c.ok).toBe(true);
  });
}

describe("results", () => runBuildCases("results.json"));
describe("fields and views", () => runBuildCases("fields.json"));

describe("errors", () => {
  const { cases } = load<{
    cases: (BuildCase & { code: string; status?: number; message: string; details: Json })[];
  }>("errors.json");
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const err = evaluate(c.build) as errors.GatehouseSdkError;
    expect(err.code).toBe(c.code);
    if (c.status !== undefined) expect(err.status).toBe(c.status);
    expect(err.message).toBe(c.message);
    expect(typeof err.details === "function" ? err.details() : {}).toEqual(c.details);
  });
});

describe("explanations", () => {
  const fixtures = load<{
    providerErrors: { name: string; status: number; body: Json; url: string | null; expected: string }[];
    apsHubsWarnings: { name: string; body: Json; expected: string | null }[];
  }>("explain.json");
  it.each(fixtures.providerErrors.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(explainProviderError(c.status, evaluate(c.body), c.url)).toBe(c.expected);
  });
  it.each(fixtures.apsHubsWarnings.map((c) => [c.name, c] as const))("APS hubs: %s", (_name, c) => {
    expect(explainApsHubsWarning(evaluate(c.body))).toBe(c.expected);
  });
});

describe("host mapping", () => {
  const { hostMap, cases } = load<{
    hostMap: Record<string, string>;
    cases: { url: string; expected: string }[];
  }>("resolve-url.json");
  it.each(cases.map((c) => [c.url, c] as const))("%s", (_url, c) => {
    setDefaultHostMap(hostMap);
    try {
      expect(resolveUrl(c.url)).toBe(c.expected);
    } finally {
      setDefaultHostMap({});
    }
  });
});
