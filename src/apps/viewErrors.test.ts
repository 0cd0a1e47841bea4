import { describe, expect, it } from "vitest";
import { describeExit, fromAppError } from "./viewErrors.ts";

describe("describeExit", () => {
  it("names the signal bubblewrap reports as 128 + N, and an abort as a likely heap overflow", () => {
    expect(describeExit(137, null, 512)).toBe("signal SIGKILL");
    expect(describeExit(134, null, 64)).toBe("it aborted (SIGABRT), e.g. out of memory over its 64 MB heap");
    expect(describeExit(null, "SIGIOT", 64)).toBe(
      "it aborted (SIGABRT), e.g. out of memory over its 64 MB heap",
    );
    expect(describeExit(null, "SIGTERM", 64)).toBe("signal SIGTERM");
    expect(describeExit(7, null, 64)).toBe("exit code 7");
  });
});

describe("fromAppError", () => {
  it("keeps the codes an app may report with the hub's status, and makes the rest view_failed", () => {
    expect(
      fromAppError({ code: "login_required", message: "m", details: { integration: "x" } }),
    ).toMatchObject({
      code: "login_required",
      status: 401,
      details: { integration: "x" },
    });
    // VIKTOR's UserError keeps its code and the app's words: the user is told what to change.
    expect(fromAppError({ code: "user_error", message: "Pick a width below 10 m" })).toMatchObject({
      code: "user_error",
      status: 422,
      message: "Pick a width below 10 m",
    });
    for (const code of ["unauthenticated", "constructor", "__proto__", "app_crashed"])
      expect(fromAppError({ code, message: "m" })).toMatchObject({ code: "view_failed", status: 500 });
  });
});
