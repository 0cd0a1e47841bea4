import { describe, expect, it } from "vitest";
import { probeSandbox } from "./detect.ts";
import { sandboxSummary } from "./report.ts";

const tools = {
  bwrap: "/nonexistent/bwrap",
  setpriv: "/nonexistent/setpriv",
  prlimit: "/nonexistent/prlimit",
};

describe("probeSandbox", () => {
  it("off: no sandbox, saying the setting is why", async () => {
    expect(await probeSandbox("off", 1_900_000_000)).toEqual({
      setting: "off",
      active: false,
      mode: null,
      tools: null,
      reason: "GATEHOUSE_APP_SANDBOX=off",
    });
  });

  it("missing tools: names them and the packages that have them", async () => {
    const status = await probeSandbox("required", 1_900_000_000, () => ({ missing: ["bwrap", "setpriv"] }));
    expect(status).toMatchObject({ active: false, setting: "required" });
    expect(status.reason).toBe("bwrap, setpriv not found (install the bubblewrap and util-linux packages)");
    expect(sandboxSummary(status).warning).toBe(
      "Apps do not run on this host: GATEHOUSE_APP_SANDBOX=required, but the sandbox cannot run (bwrap, setpriv not found (install the bubblewrap and util-linux packages))",
    );
  });

  it("tools that do not start: says what went wrong", async () => {
    const status = await probeSandbox("auto", 1_900_000_000, () => ({ tools }));
    expect(status).toMatchObject({ active: false, setting: "auto" });
    expect(status.reason).toMatch(/^\/nonexistent\/bwrap could not be started: .*ENOENT/);
    expect(sandboxSummary(status).warning).toMatch(/^Apps are not sandboxed on this host \(/);
  });
});
