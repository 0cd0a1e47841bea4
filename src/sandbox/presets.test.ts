import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { getPreset } from "../providers/index.ts";
import { describeEmulatorEndpoints, emulatorEndpoints, emulatorUrlsOf } from "./emulators.ts";
import { hubPreset, hubPresets } from "./presets.ts";

const sandbox = { sandbox: true, emulatorPorts: [18091, 18092, 18093] as [number, number, number] };

describe("hubPreset", () => {
  it("points a preset at its emulator in the sandbox and says so", () => {
    const bentley = hubPreset(sandbox, "bentley-itwin");
    expect(bentley.defaults).toMatchObject({
      authorizationUrl: "http://127.0.0.1:18091/connect/authorize",
      tokenUrl: "http://127.0.0.1:18091/connect/token",
      revocationUrl: "http://127.0.0.1:18091/connect/revocation",
      issuer: "http://127.0.0.1:18091",
      scopes: ["itwin-platform", "offline_access"],
    });
    expect(bentley.sandbox).toEqual({
      emulator: "bentley",
      url: "http://127.0.0.1:18091",
      message: "Sandbox: these point at the local Bentley emulator (http://127.0.0.1:18091).",
      realIssuer: "https://ims.bentley.com",
    });
    // Apps still name the real API hosts; the sandbox maps them.
    expect(bentley.apiBaseUrls).toEqual(["https://api.bentley.com"]);
  });

  it("signs Seequent Evo in at the Bentley emulator and APS at the Autodesk one", () => {
    expect(hubPreset(sandbox, "seequent-evo").defaults.tokenUrl).toBe("http://127.0.0.1:18091/connect/token");
    expect(hubPreset(sandbox, "autodesk-aps").defaults.authorizationUrl).toBe(
      "http://127.0.0.1:18092/authentication/v2/authorize",
    );
  });

  it("keeps the real platforms outside the sandbox, for generic, and while the ports are unknown", () => {
    const real = hubPreset({ ...sandbox, sandbox: false }, "bentley-itwin");
    expect(real.defaults).toEqual(getPreset("bentley-itwin").defaults);
    expect(real.sandbox).toBeNull();
    expect(hubPreset(sandbox, "generic").sandbox).toBeNull();
    expect(hubPreset({ sandbox: true, emulatorPorts: [0, 0, 0] }, "bentley-itwin").sandbox).toBeNull();
    expect(hubPresets(sandbox).map((p) => p.id)).toEqual([
      "generic",
      "bentley-itwin",
      "autodesk-aps",
      "seequent-evo",
    ]);
  });

  it("throws unknown_provider for an unknown id", () => {
    expect(() => hubPreset(sandbox, "nope")).toThrow(expect.objectContaining({ code: "unknown_provider" }));
  });
});

describe("emulatorEndpoints", () => {
  it("lists each emulator's sign-in endpoints and the API hosts it answers for", () => {
    const endpoints = emulatorEndpoints(emulatorUrlsOf(sandbox)!);
    expect(endpoints.map((e) => [e.name, e.issuer, e.signInFor])).toEqual([
      ["bentley", "http://127.0.0.1:18091", ["bentley-itwin", "seequent-evo"]],
      ["autodesk", "http://127.0.0.1:18092", ["autodesk-aps"]],
      ["seequent", null, []],
    ]);
    expect(endpoints[1]!.tokenUrl).toBe("http://127.0.0.1:18092/authentication/v2/token");
    expect(endpoints[2]!.apiBaseUrls).toContain("https://*.api.seequent.com");
    const text = describeEmulatorEndpoints(emulatorUrlsOf(sandbox)!).join("\n");
    expect(text).toContain("authorization URL http://127.0.0.1:18091/connect/authorize");
    expect(text).toContain("(API for api.bentley.com)");
    expect(text).toContain("(API for discover.api.seequent.com, *.api.seequent.com)");
  });
});

describe("the README's sandbox section", () => {
  it("lists the emulators' endpoints exactly as the start banner prints them for the default ports", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const marker = readme.indexOf("<!-- emulator-endpoints:");
    const block = /```text\n([\s\S]*?)\n```/.exec(readme.slice(marker))?.[1];
    const printed = describeEmulatorEndpoints(emulatorUrlsOf({ emulatorPorts: [8091, 8092, 8093] })!)
      .map((line) => line.slice(2))
      .join("\n");
    expect(marker).toBeGreaterThan(0);
    expect(block).toBe(printed);
  });
});
