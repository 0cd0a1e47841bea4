import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { appReportedStatus, errorCodes, isErrorCode, statusOf } from "../errors.ts";
import * as sdk from "./errors.ts";

/** One of each error class app code can catch. */
const sdkErrors: sdk.GatehouseSdkError[] = [
  new sdk.LoginRequiredError("/login", "bentley-itwin"),
  new sdk.IntegrationNotFoundError("bentley-itwin"),
  new sdk.IntegrationNotAssignedError("bentley-itwin"),
  new sdk.ProviderUnavailableError("bentley-itwin"),
  new sdk.ProviderHttpError(500, null, "broken"),
  new sdk.CapabilityError(),
  new sdk.UserError("Pick a width below 10 m"),
];

describe("SDK errors", () => {
  it("carry the hub registry's status for their code", () => {
    for (const err of sdkErrors) {
      expect(isErrorCode(err.code), err.code).toBe(true);
      expect(err.status, err.code).toBe(errorCodes[err.code as keyof typeof errorCodes].status);
    }
  });

  it("use only codes an app may report, so one escaping a view keeps its code", () => {
    for (const err of sdkErrors) expect(appReportedStatus(err.code), err.code).toBeDefined();
  });

  it("give a code the hub does not know status 500", () => {
    expect(new sdk.GatehouseSdkError("made_up", "x").status).toBe(500);
    expect(new sdk.GatehouseSdkError("made_up", "x", 418).status).toBe(418);
  });

  it("are listed in the README with the status the views API answers each code with", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Errors from a view"), readme.indexOf("## For app code"));
    const rows = [...section.matchAll(/^\| (`[a-z_`, ]+`) +\| (\d{3}) +\|/gm)];
    expect(rows.length).toBeGreaterThan(10);
    for (const [, cell = "", status] of rows) {
      for (const code of cell.match(/[a-z_]+/g) ?? []) {
        expect(isErrorCode(code), code).toBe(true);
        if (isErrorCode(code)) expect(appReportedStatus(code) ?? statusOf(code), code).toBe(Number(status));
      }
    }
  });
});
