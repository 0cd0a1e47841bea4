import { describe, expect, it } from "vitest";
import { accountColumns, identityFromRow, knownAccountColumns } from "./accountIdentity.ts";

describe("columns", () => {
  it("writes every field at connect, only known ones at refresh, and reads a row back", () => {
    const identity = { subject: "u1", email: null, name: "Alice" };
    expect(accountColumns(identity)).toEqual({
      account_subject: "u1",
      account_email: null,
      account_name: "Alice",
    });
    expect(accountColumns(null)).toEqual({ account_subject: null, account_email: null, account_name: null });
    expect(knownAccountColumns(identity)).toEqual({ account_subject: "u1", account_name: "Alice" });
    expect(knownAccountColumns(null)).toEqual({});
    expect(identityFromRow({ account_subject: null, account_email: null, account_name: null })).toBeNull();
    expect(identityFromRow(accountColumns(identity))).toEqual(identity);
  });
});
