/**
 * Hostile apps against the hub's processes and the host's resources, on a real hub with the real sandbox:
 * signalling the hub and everything the app can name, starting processes, a fork bomb (os.fork in Python),
 * exhausting its memory, and outliving a hub that is killed. Each is refused or contained, and the hub goes
 * on serving; each is tried by the TypeScript app and by its Python twin (test/helpers/hostileLanguages.ts).
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_APP_UID_BASE } from "../../src/apps/sandbox/identity.ts";
import {
  FIXTURES,
  restartWith,
  startHostileHub,
  type HostileHub,
  describeSandboxed,
} from "../helpers/hostileHub.ts";
import { HOSTILE_LANGUAGES, inEveryLanguage } from "../helpers/hostileLanguages.ts";
import { startHub } from "../helpers/hubProcesses.ts";
import { HANG_GUARD_MS, waitUntil } from "../helpers/waitUntil.ts";

describeSandboxed("hostile apps against processes and resources", () => {
  let h: HostileHub;

  beforeAll(async () => {
    h = await startHostileHub({ apps: inEveryLanguage("processes", "reader") });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Host processes whose command line mentions `marker` (an app's bundle directory names the app). */
  function processesMentioning(marker: string): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) pids.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return pids;
  }

  /** Every host process: its parent, its uid and its program's name. */
  function hostProcesses(): { pid: number; ppid: number; uid: number; name: string }[] {
    const all = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const status = readFileSync(`/proc/${entry}/status`, "utf8");
        const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, "m").exec(status)?.[1] ?? "";
        all.push({
          pid: Number(entry),
          ppid: Number(field("PPid")),
          uid: Number(field("Uid")),
          name: field("Name"),
        });
      } catch {
        // gone meanwhile
      }
    }
    return all;
  }

  /** Host processes running as `uid`, in any sandbox (the one of a stopped process may still be ending). */
  function processesOfUid(uid: number): number {
    return hostProcesses().filter((process) => process.uid === uid).length;
  }

  /**
   * The app's own processes under the cap: those below its sandbox's root process that run as `uid`, but
   * bubblewrap's (the unprivileged bubblewrap and its pid 1 run as that uid above prlimit, outside the cap).
   */
  function cappedProcesses(root: number, uid: number): number {
    const processes = hostProcesses();
    const below = new Set([root]);
    for (let grew = true; grew;) {
      grew = false;
      for (const process of processes) {
        if (below.has(process.pid) || !below.has(process.ppid)) continue;
        below.add(process.pid);
        grew = true;
      }
    }
    return processes.filter((p) => below.has(p.pid) && p.uid === uid && p.name !== "bwrap").length;
  }

  const appUid = (name: string) =>
    DEFAULT_APP_UID_BASE + h.registry.list().findIndex((a) => a.spec.name === name);
  const asRoot = process.getuid?.() === 0;

  /** A hundred processes end slowly on a loaded machine: the shared hang guard, not a tight bound. */
  const until = (check: () => boolean, what: string) => waitUntil(what, check);

  for (const language of HOSTILE_LANGUAGES) {
    const processes = language.app("processes");
    const reader = language.app("reader");

    describe(`${language.name}: signals`, () => {
      it("cannot name the hub's process: signalling its pid finds no such process", async () => {
        for (const signal of ["SIGKILL", "SIGTERM", "SIGSTOP"]) {
          const { values } = await h.run(processes, "kill", { pid: process.pid, signal });
          expect({ signal, kill: values.kill }).toEqual({ signal, kill: "error:ESRCH" });
        }
      });

      it("cannot signal the sandbox's own init (root's, under a root hub)", async () => {
        const { values } = await h.run(processes, "kill", { pid: 1, signal: "SIGKILL" });
        if (asRoot) expect(values.kill).toBe("error:EPERM");
        expect((await h.run(processes, "kill", { pid: 999_999, signal: "SIGKILL" })).values.kill).toBe(
          "error:ESRCH",
        );
      });

      it("signalling every process it may ends at most its own sandbox; the hub and other apps go on", async () => {
        const res = await h.run(processes, "killEverything");
        // kill(-1) reaches the sandbox's own bubblewrap, whose end takes the app with it.
        if (res.status !== 200) expect(res.body).toMatchObject({ code: "app_crashed" });
        expect((await h.run(reader, "whoami")).status).toBe(200);
        expect((await h.run(processes, "kill", { pid: 999_999 })).status).toBe(200);
      });
    });

    describe(`${language.name}: processes`, () => {
      it.runIf(language.refusesSpawn)("cannot start one under Node's permission model", async () => {
        await restartWith(h, processes, { languagePermissions: true });
        const { values } = await h.run(processes, "spawn", { count: 1 });
        expect(values).toEqual({ started: 0, refusal: "error:ERR_ACCESS_DENIED" });
      });

      it("with the sandbox alone, is stopped by the process cap (RLIMIT_NPROC, counted per sandbox)", async () => {
        await restartWith(h, processes, { languagePermissions: false });
        const { values } = await h.run(processes, "spawn", { count: 500 });
        // Threads count too (Node runs several per process): fewer than 128 processes start.
        expect(values.refusal).toBe("error:EAGAIN");
        expect(Number(values.started)).toBeGreaterThan(0);
        expect(Number(values.started)).toBeLessThan(128);
        expect((await h.run(reader, "whoami")).status).toBe(200);
      });

      it.runIf(asRoot)(
        "a fork bomb stays under the cap, the hub answers meanwhile, and stopping the app ends it all",
        async () => {
          await restartWith(h, processes, { languagePermissions: false });
          const uid = appUid(processes);
          expect((await h.run(processes, "forkBomb")).values.outcome).toBe("done");
          const root = h.registry.get(processes)!.pid;
          if (root === null) throw new Error("the app has no process");
          // Let it grow until the cap holds it: the count stops rising.
          let last = -1;
          await until(() => {
            const now = cappedProcesses(root, uid);
            const settled = now === last && now > 1;
            last = now;
            return settled;
          }, "the fork bomb to reach the cap");
          await new Promise((resolve) => setTimeout(resolve, 500));
          expect(cappedProcesses(root, uid)).toBeLessThanOrEqual(128);
          const started = performance.now();
          expect((await h.run(reader, "whoami")).status).toBe(200);
          expect(performance.now() - started).toBeLessThan(30_000);
          await h.registry.get(processes)!.stop();
          await until(() => processesOfUid(uid) === 0, "every process of the bomb to end");
        },
        // Two waits that may each take up to the hang guard on a loaded machine.
        3 * HANG_GUARD_MS,
      );
    });

    describe(`${language.name}: memory`, () => {
      it("a heap over its cap is contained: the view fails saying so; the next call runs", async () => {
        await restartWith(h, processes, { languagePermissions: true, heapMb: 64 });
        const expected = language.overHeap(64);
        try {
          const pid = h.registry.get(processes)!.pid;
          const res = await h.run(processes, "heap", { megabytes: 2_000 });
          expect(res.status).toBe(expected.status);
          expect(res.body).toMatchObject({ code: expected.code });
          expect(res.body.detail).toMatch(expected.detail);
          expect((await h.run(processes, "heap", { megabytes: 8 })).values.megabytes).toBe(8);
          expect(h.registry.get(processes)!.pid === pid).toBe(expected.processLivesOn);
        } finally {
          h.registry.setRuntimeSettings({ heapMb: 512 });
        }
      });
    });

    describe(`${language.name}: a killed hub`, () => {
      it("leaves no app process behind (die-with-parent, and the PID namespace ends with its init)", async () => {
        const appsDir = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-orphans-apps-")));
        const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-orphans-data-")));
        const appDir = join(appsDir, "orphan");
        cpSync(join(FIXTURES, reader), appDir, { recursive: true });
        const config = readFileSync(join(appDir, "gatehouse.config.toml"), "utf8");
        writeFileSync(
          join(appDir, "gatehouse.config.toml"),
          config.replace(/^name = .*$/m, 'name = "orphan-check"'),
        );
        const marker = language.processMarker("orphan-check", appDir);
        const hub = await startHub({
          databaseUrl: `sqlite:${join(dataDir, "hub.db")}`,
          encryptionKeys: `k:${randomBytes(32).toString("base64")}`,
          env: { GATEHOUSE_APPS_DIR: appsDir, GATEHOUSE_DATA_DIR: dataDir },
        });
        try {
          // The hub starts its apps as it starts: the app's processes mention the marker.
          await until(() => processesMentioning(marker).length > 0, "the app process");
          await hub.kill();
          await until(() => processesMentioning(marker).length === 0, "the app processes to end");
        } finally {
          await hub.kill();
          rmSync(appsDir, { recursive: true, force: true });
          rmSync(dataDir, { recursive: true, force: true });
        }
      });
    });
  }

  describe("afterwards", () => {
    it("no secret reached any answer or log line", () => {
      h.expectNoSecretsLeaked();
    });
  });
});
