import { describe, expect, it } from "vitest";
import { dataView, defineApp, manifestOf, webView } from "../sdk/app.ts";
import { integerField, optionField, text, textField } from "../sdk/fields.ts";
import { DataGroup, DataResult, WebResult } from "../sdk/results.ts";
import { parseAppMessage } from "./appMessages.ts";

const app = defineApp({
  parametrization: {
    intro: text("# Hi"),
    name: textField({ label: "Name", default: "x" }),
    count: integerField({ min: 1, max: 10, step: 1 }),
    color: optionField(["red", "blue"], { default: "red" }),
  },
  views: {
    summary: dataView("Summary", { durationGuess: 2 }, () => new DataResult(new DataGroup())),
    page: webView("Page", {}, () => new WebResult({ html: "" })),
  },
});
const manifest = JSON.parse(JSON.stringify(manifestOf(app))) as ReturnType<typeof manifestOf>;
const reasonOf = (raw: Record<string, unknown> & { type: string }) => {
  const parsed = parseAppMessage(raw);
  if (parsed.ok) throw new Error("expected a refusal");
  return parsed.reason;
};

describe("parseAppMessage", () => {
  it("takes the worker's ready with the SDK's manifest as it is", () => {
    expect(parseAppMessage({ type: "ready", protocol: 1, manifest })).toEqual({
      ok: true,
      message: { type: "ready", protocol: 1, manifest },
    });
  });

  it("fills left-out nulls (a worker in another language may omit them) and drops unknown fields", () => {
    const parsed = parseAppMessage({
      type: "ready",
      protocol: 1,
      extra: true,
      manifest: {
        parametrization: [{ name: "who", type: "textField", onload: "alert(1)" }],
        views: [{ name: "v", kind: "table", label: "V" }],
      },
    });
    expect(parsed).toEqual({
      ok: true,
      message: {
        type: "ready",
        protocol: 1,
        manifest: {
          parametrization: [
            { name: "who", type: "textField", label: null, description: null, default: null },
          ],
          views: [{ name: "v", kind: "table", label: "V", durationGuess: null }],
        },
      },
    });
  });

  it.each([
    [{ ...manifest, views: "x" }, /at manifest\.views/],
    [{ ...manifest, views: [] }, /at manifest\.views/],
    [{ ...manifest, parametrization: [null] }, /at manifest\.parametrization\.0/],
    [{ ...manifest, parametrization: [{ name: "a", type: "fileField" }] }, /parametrization\.0\.type/],
    [
      { ...manifest, parametrization: [{ name: "a", type: "optionField", options: ["x"], default: "y" }] },
      /parametrization\.0\.default: a default that is one of the options/,
    ],
    [{ ...manifest, parametrization: [{ name: "a", type: "optionField", options: "x" }] }, /options/],
    [{ ...manifest, parametrization: [{ name: "bad name", type: "textField" }] }, /a field name/],
    [{ ...manifest, views: [...manifest.views, manifest.views[0]] }, /views with different names/],
    [{ ...manifest, views: [{ ...manifest.views[0], kind: "video" }] }, /views\.0\.kind/],
  ])("refuses a manifest of the wrong shape (%#)", (bad, reason) => {
    expect(reasonOf({ type: "ready", protocol: 1, manifest: bad })).toMatch(reason);
  });

  it("refuses another protocol version, naming both", () => {
    expect(reasonOf({ type: "ready", protocol: 2, manifest })).toBe(
      "it speaks protocol version 2; this hub speaks 1",
    );
    expect(reasonOf({ type: "ready", manifest })).toBe("it speaks protocol version null; this hub speaks 1");
  });

  it("refuses unknown types, including inherited property names", () => {
    expect(reasonOf({ type: "invoke" })).toBe('an unknown message type "invoke"');
    expect(reasonOf({ type: "constructor" })).toBe('an unknown message type "constructor"');
  });

  it("takes results and errors, cutting long messages", () => {
    expect(parseAppMessage({ type: "result", id: "1", ok: true, result: { type: "web", html: "" } })).toEqual(
      {
        ok: true,
        message: { type: "result", id: "1", ok: true, result: { type: "web", html: "" } },
      },
    );
    const parsed = parseAppMessage({
      type: "result",
      id: "1",
      ok: false,
      error: { code: "view_failed", message: "m".repeat(5_000), status: 200 },
    });
    expect(
      parsed.ok && parsed.message.type === "result" && !parsed.message.ok && parsed.message.error,
    ).toEqual({
      code: "view_failed",
      message: "m".repeat(2_000),
    });
    expect(reasonOf({ type: "result", id: "1", ok: "yes" })).toMatch(/"result" message of the wrong shape/);
    expect(reasonOf({ type: "result", id: "", ok: true })).toMatch(/at id/);
    expect(reasonOf({ type: "load_error", message: 5 })).toMatch(/at message/);
  });
});
