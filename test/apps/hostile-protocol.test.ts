/**
 * Hostile apps against the runtime protocol and the hub's limits, on a real hub with the real sandbox: bytes
 * written to the channel behind the worker's back (garbage, wrong lengths, unknown and forged messages),
 * results over the hub's cap and over a frame, log floods and endless lines. A peer that breaks the protocol
 * is stopped and its views fail app_crashed; the hub never throws, and keeps serving. Each is tried by the
 * TypeScript app and by its Python twin (test/helpers/hostileLanguages.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RESULT_MAX_BYTES } from "../../src/sdk/limits.ts";
import { startHostileHub, type HostileHub, describeSandboxed } from "../helpers/hostileHub.ts";
import { HOSTILE_LANGUAGES, inEveryLanguage } from "../helpers/hostileLanguages.ts";
import { waitUntil } from "../helpers/waitUntil.ts";

describeSandboxed("hostile apps against the runtime protocol and limits", () => {
  let h: HostileHub;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
    h = await startHostileHub({ apps: inEveryLanguage("protocol", "reader", "forged-ready") });
  }, 120_000);

  afterAll(async () => {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUncaught);
    await h?.close();
  });

  const logged = (pattern: RegExp) =>
    h.t.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => pattern.test(String(entry.msg)));

  for (const language of HOSTILE_LANGUAGES) {
    const protocol = language.app("protocol");
    const reader = language.app("reader");
    const forgedReady = language.app("forged-ready");

    describe(`${language.name}: bytes on the channel that break the protocol`, () => {
      it.each([
        ["garbage", "a frame of 1195725856 bytes is over the 8388608-byte cap"],
        ["hugeLength", "a frame of 4294967295 bytes is over the 8388608-byte cap"],
        ["zeroLength", "a frame has length 0"],
        ["nullMessage", "a frame body is not a JSON object"],
        ["unknownType", 'an unknown message type "exec"'],
        ["secondReady", 'it sent "ready" after it was ready'],
        ["oversizedFrame", "a frame of 9437184 bytes is over the 8388608-byte cap"],
      ])(
        "%s: the app is stopped, its view fails app_crashed, the hub logs why and carries on",
        async (view, reason) => {
          const pid = h.registry.get(protocol)!.pid;
          const [res, other] = await Promise.all([h.run(protocol, view), h.run(reader, "whoami")]);
          expect(res.status).toBe(502);
          expect(res.body).toMatchObject({ code: "app_crashed" });
          expect(res.body.detail).toContain(`it broke the runtime protocol (${reason})`);
          expect(logged(/app broke the runtime protocol/).map((entry) => entry.reason)).toContain(reason);
          expect(other.status).toBe(200);
          const again = await h.run(protocol, "ok");
          expect(again.status).toBe(200);
          expect(h.registry.get(protocol)!.pid).not.toBe(pid);
          expect(uncaught).toEqual([]);
        },
      );

      it("a result for an invocation it was never sent stops it too (each frame costs the hub a parse)", async () => {
        const pid = h.registry.get(protocol)!.pid;
        const res = await h.run(protocol, "strayResult");
        expect(res.status).toBe(502);
        expect(res.body.detail).toContain(
          "it broke the runtime protocol (a result for an invocation it was never sent)",
        );
        expect((await h.run(protocol, "ok")).status).toBe(200);
        expect(h.registry.get(protocol)!.pid).not.toBe(pid);
      });

      it("a ready of its own at import, of the wrong shape, fails the load", async () => {
        const res = await h.run(forgedReady, "v");
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ code: "app_load_failed" });
        expect(res.body.detail).toMatch(
          /it broke the runtime protocol: a "ready" message of the wrong shape at manifest/,
        );
        expect(uncaught).toEqual([]);
      });
    });

    describe(`${language.name}: results over the hub's limits`, () => {
      /** Asks for a table of `rows` rows; the run is refused as invalid_result and the app keeps its process. */
      async function expectTableRefused(rows: number, detail: RegExp): Promise<void> {
        const pid = h.registry.get(protocol)!.pid;
        const res = await h.run(protocol, "bigTable", { rows });
        expect(res.status).toBe(500);
        expect(res.body).toMatchObject({ code: "invalid_result" });
        expect(res.body.detail).toMatch(detail);
        expect(h.registry.get(protocol)!.pid).toBe(pid);
      }

      it("a result over the cap (5 MiB by default) is refused as invalid_result; the process keeps running", async () => {
        await expectTableRefused(
          50_000,
          new RegExp(
            `the result is \\d+ bytes; this hub accepts at most ${DEFAULT_RESULT_MAX_BYTES} \\(GATEHOUSE_APP_RESULT_MAX_BYTES\\)`,
          ),
        );
        expect((await h.run(protocol, "bigTable", { rows: 1_000 })).status).toBe(200);
      });

      it("a result too big for one frame never leaves the app: the worker reports it instead", async () => {
        await expectTableRefused(
          90_000,
          /built a result of \d+ bytes; one result can be at most 8388608 bytes/,
        );
      });

      it("the cap is the hub's setting", async () => {
        h.registry.setRuntimeSettings({ resultMaxBytes: 100_000 });
        try {
          const res = await h.run(protocol, "bigTable", { rows: 2_000 });
          expect(res.body.detail).toMatch(/this hub accepts at most 100000/);
        } finally {
          h.registry.setRuntimeSettings({ resultMaxBytes: DEFAULT_RESULT_MAX_BYTES });
        }
      });
    });

    describe(`${language.name}: the app's log`, () => {
      it("a 10 MB line is cut at 2000 characters, once", async () => {
        expect((await h.run(protocol, "longLine")).status).toBe(200);
        const cut = logged(/^app output$/).filter((entry) => entry.app === protocol && entry.cut === true);
        expect(cut).toHaveLength(1);
        expect(String(cut[0]!.output)).toBe("y".repeat(2_000));
        expect(h.t.logs.every((line) => line.length < 10_000)).toBe(true);
      });

      it("a flood is cut to the app's budget per minute with one warning, and the hub answers meanwhile", async () => {
        const [flood, other] = await Promise.all([
          h.run(protocol, "flood", { lines: 20_000 }),
          h.run(reader, "whoami"),
        ]);
        expect(flood.status).toBe(200);
        expect(other.status).toBe(200);
        // The output arrives on its own pipe, after the result: wait for the warning that the budget is spent.
        const warned = () => logged(/over its budget/).filter((entry) => entry.app === protocol);
        await waitUntil("the over-budget warning is logged", () => warned().length > 0);
        // The budget (src/apps/appLog.test.ts has its minute-by-minute rules on an injected clock).
        const lines = logged(/^app output$/).filter(
          (entry) => entry.app === protocol && String(entry.output).startsWith("flood line"),
        );
        expect(lines.length).toBeLessThanOrEqual(2_000);
        expect(lines.length).toBeGreaterThan(100);
        expect(logged(/over its budget/).filter((entry) => entry.app === protocol)).toHaveLength(1);
      });
    });
  }

  describe("afterwards", () => {
    it("no secret reached any answer or log line, and nothing threw in the hub", () => {
      h.expectNoSecretsLeaked();
      expect(uncaught).toEqual([]);
    });
  });
});
