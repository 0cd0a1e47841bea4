import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { start } from "../../src/cli/start.ts";
import { HubClient } from "../helpers/hub.ts";
import { freePort } from "../helpers/hubProcesses.ts";

/** Runs `start` until `use` is done; returns what it printed and its exit code. */
async function runStart(env: NodeJS.ProcessEnv, use: (printed: string) => Promise<void>) {
  const out = new PassThrough();
  const err = new PassThrough();
  let printed = "";
  let errors = "";
  // Settles when it has printed its banner, or when it stopped without one: an event, not a deadline.
  let bannerShown!: () => void;
  const banner = new Promise<void>((resolve) => (bannerShown = resolve));
  out.on("data", (chunk: Buffer) => {
    printed += chunk.toString();
    if (printed.includes("Gatehouse hub:")) bannerShown();
  });
  err.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  const running = start({ env: { LOG_LEVEL: "silent", ...env }, out, err, until });
  await Promise.race([banner, running]);
  try {
    if (printed.includes("Gatehouse hub:")) await use(printed);
  } finally {
    release();
  }
  return { code: await running, printed, errors };
}

describe("gatehouse start", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("starts the sandbox: emulators, the four integrations, an admin with a generated password, demo users", async () => {
    const port = await freePort();
    const env = {
      PORT: String(port),
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_SANDBOX: "true",
      GATEHOUSE_EMULATOR_PORTS: "0,0,0",
    };
    let adminPassword = "";
    const first = await runStart(env, async (printed) => {
      const match = /Admin: admin@example\.com \/ (\S+)/.exec(printed);
      expect(match).not.toBeNull();
      adminPassword = match![1]!;
      const admin = await new HubClient(`http://127.0.0.1:${port}`, `http://localhost:${port}`).signIn(
        "admin@example.com",
        adminPassword,
      );
      // The hub's public URL is http://localhost:<port>; the admin client sends that origin.
      const list =
        await admin.get<{ name: string; tokenUrl: string; redirectUri: string }[]>("/api/admin/integrations");
      expect(list.body.map((i) => i.name).sort()).toEqual([
        "autodesk-aps",
        "bentley-itwin",
        "bentley-itwin-service",
        "seequent-evo",
      ]);
      expect(list.body.every((i) => i.tokenUrl.startsWith("http://127.0.0.1:"))).toBe(true);
      expect(list.body[0]!.redirectUri).toBe(`http://localhost:${port}/api/integrations/oauth2/callback/`);
      const alice = await new HubClient(`http://127.0.0.1:${port}`, `http://localhost:${port}`).signIn(
        "alice@example.com",
        "sandbox",
      );
      // An example app reaches its emulator although the emulators' ports were chosen at start (0,0,0).
      const view = await alice.post<{ type: string }>("/api/apps/itwin-service/views/serviceITwins", {
        params: {},
      });
      expect(view.status).toBe(200);
      expect(view.body.type).toBe("table");
    });
    expect(first.errors).toBe("");
    expect(first.code).toBe(0);
    expect(first.printed).toContain("Bentley emulator");
    expect(first.printed).toContain("alice@example.com");

    // A restart keeps what exists: same admin password, no duplicate integrations, no new password printed.
    const second = await runStart(env, async (printed) => {
      expect(printed).not.toMatch(/Admin: admin@example\.com \//);
      const admin = await new HubClient(`http://127.0.0.1:${port}`, `http://localhost:${port}`).signIn(
        "admin@example.com",
        adminPassword,
      );
      const list = await admin.get<{ name: string }[]>("/api/admin/integrations");
      expect(list.body).toHaveLength(4);
    });
    expect(second.code).toBe(0);
  });

  it("is not ready before the sandbox is seeded: the first /readyz 200 means the demo users can sign in", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    const running = start({
      env: {
        LOG_LEVEL: "silent",
        PORT: String(port),
        GATEHOUSE_DATA_DIR: dir,
        GATEHOUSE_SANDBOX: "true",
        GATEHOUSE_EMULATOR_PORTS: "0,0,0",
      },
      out: new PassThrough(),
      err: new PassThrough(),
      until,
    });
    try {
      // Poll like a load balancer would, without waiting for the banner, until ready (or stopped): the
      // start may take as long as it takes on a busy machine; the suite's timeout is the only deadline.
      let stopped = false;
      void running.then(() => (stopped = true));
      let ready = false;
      while (!ready && !stopped) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready).toBe(true);
      const login = await new HubClient(`http://127.0.0.1:${port}`, `http://localhost:${port}`).post(
        "/api/auth/login",
        { email: "alice@example.com", password: "sandbox" },
      );
      expect(login.status).toBe(204);
    } finally {
      release();
      expect(await running).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without the sandbox: no emulators, no demo data; the admin comes from the environment", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
    try {
      const run = await runStart(
        {
          PORT: String(port),
          GATEHOUSE_DATA_DIR: dir,
          GATEHOUSE_SANDBOX: "false",
          GATEHOUSE_ADMIN_EMAIL: "ops@example.com",
          GATEHOUSE_ADMIN_PASSWORD: "a-long-password",
        },
        async () => {
          const admin = await new HubClient(`http://127.0.0.1:${port}`, `http://localhost:${port}`).signIn(
            "ops@example.com",
            "a-long-password",
          );
          expect((await admin.get<unknown[]>("/api/admin/integrations")).body).toEqual([]);
          const alice = await new HubClient(`http://127.0.0.1:${port}`, `http://localhost:${port}`).post(
            "/api/auth/login",
            {
              email: "alice@example.com",
              password: "sandbox",
            },
          );
          expect(alice.status).toBe(401);
        },
      );
      expect(run.code).toBe(0);
      expect(run.printed).not.toContain("emulator");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops on a bad configuration with one message naming the variable", async () => {
    const run = await runStart({ PORT: "not-a-port", GATEHOUSE_DATA_DIR: dataDir }, async () => {});
    expect(run.code).toBe(1);
    expect(run.errors.trim().split("\n")).toHaveLength(1);
    expect(run.errors).toContain("PORT");
  });
});
