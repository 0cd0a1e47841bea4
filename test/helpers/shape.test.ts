import { describe, expect, it } from "vitest";
import { assertShape, oneOf } from "./shape.ts";

describe("assertShape", () => {
  const shape = {
    id: "string",
    count: "integer",
    "note?": "string|null",
    items: [{ href: "string" }],
    next: oneOf({ href: "string" }, "null"),
  };

  it("accepts a body with exactly these fields and types", () => {
    expect(() => assertShape({ id: "a", count: 2, items: [{ href: "x" }], next: null }, shape)).not.toThrow();
    expect(() =>
      assertShape({ id: "a", count: 2, note: null, items: [], next: { href: "y" } }, shape),
    ).not.toThrow();
  });

  it("names missing, unexpected and mistyped fields", () => {
    expect(() => assertShape({ id: "a", items: [], next: null }, shape)).toThrow(/body\.count: missing/);
    expect(() => assertShape({ id: "a", count: 1, items: [], next: null, extra: 1 }, shape)).toThrow(
      /body\.extra: unexpected/,
    );
    expect(() => assertShape({ id: 1, count: 1.5, items: [{ href: 2 }], next: null }, shape)).toThrow(
      /body\.id: expected string[\s\S]*body\.count: expected integer[\s\S]*body\.items\[0\]\.href/,
    );
    expect(() => assertShape({ id: "a", count: 1, items: [], next: { href: 3 } }, shape)).toThrow(
      /alternatives/,
    );
  });
});
