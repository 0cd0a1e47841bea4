import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAppChild } from "./appChild.ts";
import { AppOutput, DEFAULT_APP_LOG_LIMITS, LogBudget } from "./appLog.ts";
import type { AppSpec } from "./config.ts";
import { DEFAULT_APP_UID_BASE, appIdentity } from "./sandbox/identity.ts";
import type { AppRuntimeSettings } from "./settings.ts";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-app-child-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A process that exits at once while a process it forked writes its last words a moment later: a
 * `load_error` frame on the channel (fd 3) and a line on stderr. Its exit is seen before they arrive.
 */
const LATE_WORDS = `
import json, os, struct, sys, time
if os.fork() == 0:
    time.sleep(0.3)
    body = json.dumps({"type": "load_error", "message": "app.py:1: late but whole"}).encode()
    os.write(3, struct.pack(">I", len(body)) + body)
    os.write(2, b"the last line\\n")
    os._exit(0)
os._exit(1)
`;

const settings: AppRuntimeSettings = {
  sandbox: { setting: "off", active: false, mode: null, tools: null, reason: "GATEHOUSE_APP_SANDBOX=off" },
  hubDataDir: null,
  uidBase: DEFAULT_APP_UID_BASE,
  resultMaxBytes: 1024 * 1024,
  heapMb: 64,
  languagePermissions: false,
  python: null,
};

describe("startAppChild", () => {
  it("reports the end only once the pipes delivered what the process wrote last", async () => {
    const events: string[] = [];
    const ended = new Promise<void>((resolve) => {
      startAppChild(
        {
          spec: { name: "late" } as AppSpec,
          prepared: {
            command: ["/usr/bin/python3", "-c", LATE_WORDS],
            readOnly: [],
            env: {},
            dispose: () => {},
          },
          appDir: dir,
          settings,
          identity: appIdentity(DEFAULT_APP_UID_BASE, 0),
          output: new AppOutput("late", undefined, new LogBudget(DEFAULT_APP_LOG_LIMITS, Date.now)),
          // Long enough never to be the one that ends the wait here: the forked process closes the pipes.
          drainGraceMs: 60_000,
        },
        {
          ready: () => events.push("ready"),
          loadError: (message) => events.push(`load_error: ${message}`),
          result: () => events.push("result"),
          violation: (reason) => events.push(`violation: ${reason}`),
          error: (err) => events.push(`error: ${err.message}`),
          exit: (how, said) => {
            events.push(`exit: ${how}; said: ${said}`);
            resolve();
          },
        },
      );
    });
    await ended;
    expect(events).toEqual([
      "load_error: app.py:1: late but whole",
      "exit: exit code 1; said: the last line",
    ]);
  });
});
