// The CLI's side of issue 12 as real processes on a hub's SQLite data dir: `users reset-password` (the way
// back in for the bootstrap admin with passwords off at the web), and `audit export` as JSON lines with the
// events the CLI itself recorded (users added, passwords reset, keys rotated).
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/index.ts";
import { AccountStore } from "../../src/hub/identity/accounts.ts";
import { hubEnv, runCli } from "../helpers/cliProcess.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const tmp = useTempDir("gh-cli-audit-");

interface Exported {
  action: string;
  actor: { type: string };
  target: { name: string | null } | null;
  at: string;
}

describe("gatehouse users reset-password and audit export", () => {
  it("resets a local password, ending sessions, refuses identity-provider users, and exports the trail", async () => {
    const dataDir = join(tmp(), "hub");
    const env = hubEnv(dataDir);
    const started = Date.now();
    let newPassword = "";
    const add = await runCli(
      ["users", "add", "--email", "root@example.com", "--role", "admin", "--password", "first-password"],
      { env },
    );
    expect(add.code, add.stderr).toBe(0);

    const store = await openDatabase(`sqlite:${join(dataDir, "gatehouse.db")}`);
    try {
      const accounts = new AccountStore(store.db);
      const root = (await accounts.verifyLogin("root@example.com", "first-password"))!;
      await accounts.createSession(root.id, 3_600_000);
      // Someone who signs in only through the identity provider has no password to reset.
      const sso = await accounts.createUser({ email: "sso@example.com", password: null, role: "user" });
      await store.db
        .insertInto("user_identities")
        .values({
          issuer: "https://idp.example",
          subject: randomUUID(),
          user_id: sso.id,
          created_at: Date.now(),
        })
        .execute();

      const reset = await runCli(["users", "reset-password", "--email", "ROOT@example.com"], { env });
      expect(reset.code, reset.stderr).toBe(0);
      const password = /Password \(shown this once\): (\S+)/.exec(reset.stdout)?.[1];
      expect(password).toBeTruthy();
      newPassword = password!;
      expect(await accounts.verifyLogin("root@example.com", "first-password")).toBeNull();
      expect(await accounts.verifyLogin("root@example.com", password!)).toMatchObject({ id: root.id });
      expect(
        await store.db.selectFrom("sessions").select("id").where("user_id", "=", root.id).execute(),
      ).toEqual([]);

      const refused = await runCli(["users", "reset-password", "--email", "sso@example.com"], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("signs in through the identity provider");
      const unknown = await runCli(["users", "reset-password", "--email", "nobody@example.com"], { env });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("no user with email nobody@example.com");
    } finally {
      await store.close();
    }

    const rotate = await runCli(["keys", "rotate"], { env });
    expect(rotate.code, rotate.stderr).toBe(0);

    const exported = await runCli(["audit", "export", "--since", new Date(started - 1000).toISOString()], {
      env,
    });
    expect(exported.code, exported.stderr).toBe(0);
    const events = exported.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Exported);
    expect(events.map((e) => e.action)).toEqual(["user.created", "user.password_reset", "keys.rotated"]);
    expect(events.every((e) => e.actor.type === "cli")).toBe(true);
    // The API's shape: ISO 8601 times.
    expect(
      events.every((e) => /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(e.at) && Date.parse(e.at) >= started - 1000),
    ).toBe(true);
    expect(events[1]!.target?.name).toBe("root@example.com");
    expect(exported.stderr).toContain("Exported 3 audit events");
    // No password in the trail.
    expect(exported.stdout).not.toContain("first-password");
    expect(exported.stdout).not.toContain(newPassword);

    const later = await runCli(["audit", "export", "--since", "0d"], { env });
    expect(later.stdout).toBe("");
    const bad = await runCli(["audit", "export", "--since", "last tuesday"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since must be an ISO date or time");
    const missing = await runCli(["audit", "export"], { env });
    expect(missing.code).toBe(2);
  });
});
