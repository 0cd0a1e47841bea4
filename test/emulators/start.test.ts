// Starting the emulators: a taken port fails cleanly, and `gatehouse emulate` validates its environment,
// prints each base URL and its clients, keeps its state in the data directory, and stops.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { emulate, parseEmulatorPorts, parseWebRedirectUris } from "../../src/cli/emulate.ts";
import { startEmulators } from "../../src/emulators/index.ts";
import { HANG_GUARD_MS } from "../helpers/waitUntil.ts";

describe("startEmulators", () => {
  it("fails cleanly when a port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(startEmulators({ ports: [0, port, 0] })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe("gatehouse emulate", () => {
  it("validates GATEHOUSE_EMULATOR_PORTS", () => {
    expect(parseEmulatorPorts(undefined)).toEqual([8091, 8092, 8093]);
    expect(parseEmulatorPorts(" 9001, 9002 ,9003")).toEqual([9001, 9002, 9003]);
    expect(parseEmulatorPorts("0,0,0")).toEqual([0, 0, 0]);
    for (const bad of [
      "8091,8092",
      "8091,8092,abc",
      "8091,8092,70000",
      "8091,8091,8093",
      "1,2,3,4",
      "-1,2,3",
    ]) {
      expect(() => parseEmulatorPorts(bad)).toThrow(/GATEHOUSE_EMULATOR_PORTS/);
    }
  });

  it("validates GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS", () => {
    expect(parseWebRedirectUris(undefined)).toEqual([]);
    expect(parseWebRedirectUris("http://localhost:4000/cb, https://app.example/cb")).toEqual([
      "http://localhost:4000/cb",
      "https://app.example/cb",
    ]);
    for (const bad of ["/relative", "ftp://x/cb", "http://x/cb#frag"]) {
      expect(() => parseWebRedirectUris(bad)).toThrow(/GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS/);
    }
  });

  it("prints each base URL and its clients, then stops", async () => {
    let output = "";
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const dataDir = mkdtempSync(join(tmpdir(), "gh-emulate-"));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const running = emulate({
      env: {
        GATEHOUSE_EMULATOR_PORTS: "0,0,0",
        GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS: "http://localhost:4000/cb",
        GATEHOUSE_DATA_DIR: dataDir,
      },
      out,
      until: stopped,
    });
    await vi.waitFor(() => expect(output).toContain("Seequent Evo: http://127.0.0.1:"), {
      timeout: HANG_GUARD_MS,
    });
    expect(output).toMatch(/Bentley iTwin \(IMS\): http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/Autodesk Platform Services: http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain("sandbox-web (secret sandbox-web-secret)");
    expect(output).toContain("sandbox-service (secret sandbox-service-secret)");
    expect(output).toContain("exactly http://localhost:4000/cb");
    expect(output).toContain("http://127.0.0.1:<any port>/signin-callback");
    // The state goes to $GATEHOUSE_DATA_DIR/emulators when --data-dir is not given.
    expect(output).toContain(`State: ${join(dataDir, "emulators")} (kept across restarts`);
    expect(existsSync(join(dataDir, "emulators", "emulators.sqlite"))).toBe(true);
    const bentleyUrl = /Bentley iTwin \(IMS\): (\S+)/.exec(output)![1]!;
    expect((await fetch(`${bentleyUrl}/.well-known/openid-configuration`)).status).toBe(200);
    stop();
    await expect(running).resolves.toBe(0);
    await expect(fetch(`${bentleyUrl}/.well-known/openid-configuration`)).rejects.toThrow();
  });
});
