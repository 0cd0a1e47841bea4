import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { emulatorDataDir } from "./emulate.ts";

describe("emulatorDataDir", () => {
  it("is ./data/emulators by default, absolute", () => {
    expect(emulatorDataDir(undefined, {})).toBe(join(resolve("data"), "emulators"));
    expect(emulatorDataDir(undefined, { GATEHOUSE_DATA_DIR: " " })).toBe(join(resolve("data"), "emulators"));
  });

  it("follows GATEHOUSE_DATA_DIR, as the hub's sandbox does", () => {
    expect(emulatorDataDir(undefined, { GATEHOUSE_DATA_DIR: "/var/lib/gatehouse" })).toBe(
      "/var/lib/gatehouse/emulators",
    );
  });

  it("takes --data-dir as it is (made absolute) over the environment", () => {
    expect(emulatorDataDir("/tmp/emu", { GATEHOUSE_DATA_DIR: "/var/lib/gatehouse" })).toBe("/tmp/emu");
    expect(emulatorDataDir("rel/emu", {})).toBe(resolve("rel/emu"));
  });

  it("refuses an empty --data-dir", () => {
    expect(() => emulatorDataDir("  ", {})).toThrow(/--data-dir must name a directory/);
  });
});
