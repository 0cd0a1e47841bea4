import { describe, expect, it } from "vitest";
import { CliError } from "./cliError.ts";
import { parseInstant } from "./audit.ts";

describe("parseInstant", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");

  it("reads ISO dates and times, and days back", () => {
    expect(parseInstant("--since", "30d", now)).toBe(now - 30 * 86_400_000);
    expect(parseInstant("--since", "0d", now)).toBe(now);
    expect(parseInstant("--since", "2026-11-01T08:00:00Z", now)).toBe(Date.parse("2026-11-01T08:00:00Z"));
    expect(parseInstant("--since", "2026-11-01T08:00:00+02:00", now)).toBe(
      Date.parse("2026-11-01T06:00:00Z"),
    );
    expect(parseInstant("--since", "2026-11-01", now)).toBe(Date.parse("2026-11-01"));
  });

  it("refuses anything else as a usage error naming the flag", () => {
    for (const bad of ["yesterday", "30", "-3d", "2026-13-45", "2026/11/01", "", "1e3d"]) {
      expect(() => parseInstant("--until", bad, now), bad).toThrow(CliError);
      expect(() => parseInstant("--until", bad, now), bad).toThrow(/--until must be an ISO date/);
    }
  });
});
