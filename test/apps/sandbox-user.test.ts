/**
 * A hub that does not run as root runs its apps as its own uid, in a user namespace of their own. Shown
 * here by running as an unprivileged uid (this suite needs root to become one): the app cannot name, and
 * so cannot signal, a process of that same uid outside its PID namespace, nor the hub; it cannot read that
 * uid's files outside its mounts. The same probe run without the sandbox can do both, which is what the
 * sandbox takes away. And a whole hub started as that uid serves sandboxed apps, TypeScript and Python.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, describeSandboxed } from "../helpers/hostileHub.ts";
import { HOSTILE_LANGUAGES, inEveryLanguage } from "../helpers/hostileLanguages.ts";
import { HubClient } from "../helpers/hub.ts";
import { freePort, REPO_ROOT, waitFor200 } from "../helpers/hubProcesses.ts";

describeSandboxed("the sandbox under a hub that is not root", () => {
  const UID = 2_000_000_123;
  const asRoot = process.getuid?.() === 0;
  const PROBE_RUNNER = fileURLToPath(new URL("../helpers/userModeProbe.ts", import.meta.url));
  const RUN_TS = join(REPO_ROOT, "bin", "run-ts.mjs");
  const CLI = join(REPO_ROOT, "bin", "gatehouse.mjs");

  /** What the probe tries: name a process of its own uid, name its parent (the "hub"), read its uid's file. */
  const PROBE = `
const fs = require("node:fs");
const [victim, secret, hub] = process.argv.slice(2).map((a, i) => (i === 1 ? a : Number(a)));
const attempt = (fn) => { try { return "ok:" + fn(); } catch (err) { return "error:" + (err.code ?? String(err)); } };
console.log(JSON.stringify({
  uid: process.getuid(),
  capEff: /^CapEff:\\s*(\\S+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"))[1],
  noNewPrivs: /^NoNewPrivs:\\s*(\\S+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"))[1],
  processes: fs.readdirSync("/proc").filter((e) => /^\\d+$/.test(e)).length,
  victim: attempt(() => (process.kill(victim, 0), "alive")),
  hub: attempt(() => (process.kill(hub, 0), "alive")),
  secret: attempt(() => fs.readFileSync(secret, "utf8")),
  // The sandbox's root and /dev are tmpfs this uid made: read-only all the same.
  writes: ["/planted", "/dev/planted", "/dev/shm/gatehouse-usermode-probe"].map((p) => attempt(() => (fs.writeFileSync(p, "x"), "written"))),
}));
`;

  /** Runs `args` as UID (no groups), with a minimal environment; answers stdout. */
  function asUser(args: string[], env: Record<string, string> = {}): string {
    const result = spawnSync(
      "/usr/bin/setpriv",
      [`--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", "--", ...args],
      { env: { PATH: "/usr/bin:/bin", HOME: "/tmp", ...env }, encoding: "utf8", timeout: 60_000 },
    );
    if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}): ${result.stderr}`);
    return result.stdout;
  }

  let home: string;
  let victim: ReturnType<typeof spawn> | null = null;

  beforeAll(() => {
    if (!asRoot) return;
    home = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-usermode-")));
    chownSync(home, UID, UID);
    writeFileSync(join(home, "probe.cjs"), PROBE);
    writeFileSync(join(home, "secret.txt"), "the unprivileged user's own secret");
    chownSync(join(home, "secret.txt"), UID, UID);
    chmodSync(join(home, "secret.txt"), 0o600);
    victim = spawn(
      "/usr/bin/setpriv",
      [`--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", "--", "/usr/bin/sleep", "600"],
      {
        stdio: "ignore",
      },
    );
  });

  afterAll(() => {
    victim?.kill("SIGKILL");
    // The control run (no sandbox) may write the host's /dev/shm, which everyone may.
    rmSync("/dev/shm/gatehouse-usermode-probe", { force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  describe.runIf(asRoot)("a hub that is not root", () => {
    it("sandboxes apps as its own uid: they cannot name its processes or read its files", () => {
      const probeDir = join(home, "probe");
      cpSync(join(home, "probe.cjs"), join(probeDir, "probe.cjs"));
      chownSync(probeDir, UID, UID);
      const line = asUser([
        process.execPath,
        RUN_TS,
        PROBE_RUNNER,
        probeDir,
        String(victim!.pid),
        join(home, "secret.txt"),
      ]);
      const { mode, report } = JSON.parse(line.trim().split("\n").at(-1)!) as {
        mode: string;
        report: Record<string, unknown>;
      };
      expect(mode).toBe("user");
      expect(report).toEqual({
        uid: UID,
        capEff: "0000000000000000",
        noNewPrivs: "1",
        processes: 2,
        victim: "error:ESRCH",
        hub: "error:ESRCH",
        secret: "error:ENOENT",
        writes: ["error:EROFS", "error:EROFS", "error:EROFS"],
      });
    });

    it("(the control: without the sandbox, the same probe as the same uid reaches both)", () => {
      const line = asUser([
        process.execPath,
        join(home, "probe.cjs"),
        String(victim!.pid),
        join(home, "secret.txt"),
        String(process.pid),
      ]);
      expect(JSON.parse(line)).toMatchObject({
        victim: "ok:alive",
        secret: "ok:the unprivileged user's own secret",
      });
    });

    it("a whole hub started as that uid runs its apps sandboxed in a user namespace", async () => {
      const appsDir = join(home, "apps");
      const dataDir = join(home, "data");
      const apps = inEveryLanguage("reader", "processes");
      for (const app of apps) cpSync(join(FIXTURES, app), join(appsDir, app), { recursive: true });
      for (const dir of [appsDir, ...apps.map((app) => join(appsDir, app))]) chownSync(dir, UID, UID);
      const port = await freePort();
      const hub = spawn(
        "/usr/bin/setpriv",
        [`--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", "--", process.execPath, CLI, "start"],
        {
          cwd: REPO_ROOT,
          env: {
            PATH: "/usr/bin:/bin",
            HOME: "/tmp",
            PORT: String(port),
            GATEHOUSE_PUBLIC_URL: `http://127.0.0.1:${port}`,
            HOST: "127.0.0.1",
            GATEHOUSE_SANDBOX: "false",
            GATEHOUSE_APP_SANDBOX: "required",
            GATEHOUSE_DATA_DIR: dataDir,
            GATEHOUSE_APPS_DIR: appsDir,
            GATEHOUSE_ADMIN_EMAIL: "root-less@example.com",
            GATEHOUSE_ADMIN_PASSWORD: "a-long-enough-password",
            LOG_LEVEL: "warn",
          },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      hub.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        const url = `http://127.0.0.1:${port}`;
        await waitFor200(`${url}/readyz`, 60_000, hub, 50).catch((err: Error) => {
          throw new Error(`${err.message}\n${stderr}`);
        });
        const admin = await new HubClient(url).signIn("root-less@example.com", "a-long-enough-password");
        const overview = await admin.get<{ sandbox: { active: boolean; mode: string } }>("/api/admin/apps");
        expect(overview.body.sandbox).toMatchObject({ active: true, mode: "user" });
        for (const language of HOSTILE_LANGUAGES) {
          const who = await admin.post<{ groups: { items: { label: string; value: unknown }[] }[] }>(
            `/api/apps/${language.app("reader")}/views/whoami`,
            { params: {} },
          );
          expect(who.status, `${language.name}: ${JSON.stringify(who.body)}`).toBe(200);
          expect(who.body.groups[0]!.items.find((i) => i.label === "uid")?.value).toBe(UID);
          for (const pid of [hub.pid!, victim!.pid!]) {
            const kill = await admin.post<{ groups: { items: { label: string; value: unknown }[] }[] }>(
              `/api/apps/${language.app("processes")}/views/kill`,
              { params: { pid, signal: "SIGKILL" } },
            );
            expect({ language: language.name, kill: kill.body.groups[0]!.items[0]!.value }).toEqual({
              language: language.name,
              kill: "error:ESRCH",
            });
          }
        }
        expect(hub.exitCode).toBeNull();
        // The hub made its data directory itself: private to its uid from the first write.
        expect(statSync(dataDir).mode & 0o777).toBe(0o700);
        expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(["gatehouse.db", "keys.json"]));
        for (const file of readdirSync(dataDir))
          expect({ file, mode: statSync(join(dataDir, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
      } finally {
        hub.kill("SIGTERM");
        await new Promise((resolve) => hub.once("exit", resolve));
      }
    });
  });
});
