import { describe, expect, it } from "vitest";
import { appReportedStatus, errorCodes, isErrorCode } from "../errors.ts";
import * as sdk from "./errors.ts";

/** One of each error class app code can catch. */
const sdkErrors: sdk.GatehouseSdkError[] = [
  new sdk.LoginRequiredError("/login", "bentley-itwin"),
  new sdk.IntegrationNotFoundError("bentley-itwin"),
  new sdk.IntegrationNotAssignedError("bentley-itwin"),
  new sdk.ProviderUnavailableError("bentley-itwin"),
  new sdk.ProviderHttpError(500, null, "broken"),
  new sdk.CapabilityError(),
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
});
