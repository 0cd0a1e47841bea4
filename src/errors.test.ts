import { describe, expect, it } from "vitest";
import {
  APP_ERROR_STATUS,
  GatehouseError,
  appReportedStatus,
  errorCodeOf,
  errorCodes,
  errors,
  isErrorCode,
  statusOf,
} from "./errors.ts";

describe("the error-code registry", () => {
  it("gives every code a status, a title, and only known flags", () => {
    const known = new Set(["status", "title", "appReportable", "appStatus", "exposeMessage"]);
    for (const [code, entry] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599).toBe(true);
      expect(entry.title.length).toBeGreaterThan(3);
      for (const key of Object.keys(entry)) expect(known.has(key), `${code}.${key}`).toBe(true);
      // exposeMessage only means something for 5xx: 4xx messages are always shown.
      if (entry.exposeMessage) expect(entry.status).toBeGreaterThanOrEqual(500);
      if (entry.appStatus !== undefined) expect(entry.appReportable).toBe(true);
    }
  });

  it("derives the runtime's table of codes an app may report", () => {
    // The table src/apps/ kept by hand before the registry, plus VIKTOR's UserError, in code order.
    const table = Object.entries(APP_ERROR_STATUS).map(([code, status]) => `${code}=${status}`);
    expect(table.sort().join(" ")).toBe(
      "integration_not_assigned=403 integration_not_found=404 invalid_capability=500 invalid_result=500 " +
        "login_required=401 outside_invocation=500 provider_http_error=502 provider_unavailable=503 " +
        "token_failed=502 user_error=422 view_failed=500 view_not_found=404",
    );
    // The hub's own codes are not the app's to report, and unknown words are nobody's.
    expect(appReportedStatus("unauthenticated")).toBeUndefined();
    expect(appReportedStatus("toString")).toBeUndefined();
    expect(appReportedStatus("no_such_code")).toBeUndefined();
  });

  it("knows its codes and nothing inherited", () => {
    expect(isErrorCode("login_required")).toBe(true);
    expect(isErrorCode("constructor")).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe("GatehouseError", () => {
  it("takes its status from the registry", () => {
    const err = new GatehouseError("integration_exists", "taken", { name: "x" });
    expect(err).toMatchObject({ code: "integration_exists", status: 409, details: { name: "x" } });
    expect(err.name).toBe("GatehouseError");
    expect(statusOf("login_required")).toBe(401);
  });

  it("keeps a cause, and a status given for its context", () => {
    const cause = new Error("socket");
    const err = new GatehouseError("access_denied", "no", undefined, { cause, status: 400 });
    expect(err.cause).toBe(cause);
    expect(err.status).toBe(400);
  });

  it("names subclasses after themselves", () => {
    class ViewLikeError extends GatehouseError {}
    expect(new ViewLikeError("view_failed", "boom").name).toBe("ViewLikeError");
    expect(errorCodeOf(new ViewLikeError("view_failed", "boom"))).toBe("view_failed");
    expect(errorCodeOf(new Error("plain"))).toBeUndefined();
  });

  it("words integration_not_found once, with the integration in details", () => {
    expect(errors.integrationNotFound("ghost")).toMatchObject({
      code: "integration_not_found",
      status: 404,
      message: 'No integration named "ghost"',
      details: { integration: "ghost" },
    });
  });
});
