/**
 * The README's "Write an app" shows one app in both languages: its config, its TypeScript and its Python.
 * Both are taken from the README as written, loaded by a real hub (sandboxed where the host can) and run as
 * alice against the Bentley emulator: each answers the same table.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulatorHostMap } from "../helpers/appsHub.ts";
import { startTestHub, type TestHub } from "../helpers/hub.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const README = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
const tmp = useTempDir("gatehouse-readme-apps-");

/** The fenced blocks of `language` in the README's "Write an app" section, in order. */
function blocks(language: string): string[] {
  const section = README.slice(README.indexOf("## Write an app"), README.indexOf("**3. Run it.**"));
  return [...section.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

describe("the README's app, in TypeScript and in Python", () => {
  let t: TestHub;
  beforeAll(async () => {
    const [config] = blocks("toml");
    const [typescript] = blocks("ts");
    const [python] = blocks("python");
    expect([config, typescript, python].every(Boolean)).toBe(true);
    const apps = join(tmp(), "apps");
    for (const [name, entry, code] of [
      ["itwin-list", "app.ts", typescript!],
      ["itwin-list-py", "app.py", python!],
    ] as const) {
      mkdirSync(join(apps, name), { recursive: true });
      const ownConfig = config!
        .replace('name = "itwin-list"', `name = "${name}"`)
        .replace(/^entry = .*$/m, `entry = "${entry}"`);
      writeFileSync(join(apps, name, "gatehouse.config.toml"), ownConfig);
      writeFileSync(join(apps, name, entry), code);
    }
    t = await startTestHub({ config: { appsDirs: [apps], sandbox: true } });
    useEmulatorHostMap(t);
    const admin = await t.admin();
    expect(
      (await admin.patch("/api/admin/integrations/bentley-itwin", { apps: ["itwin-list", "itwin-list-py"] }))
        .status,
    ).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("answers alice the same table from either language", async () => {
    const alice = await t.signIn("alice@example.com");
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    const typescript = await alice.post("/api/apps/itwin-list/views/iTwins", { params: { top: 5 } });
    const python = await alice.post("/api/apps/itwin-list-py/views/iTwins", { params: { top: 5 } });
    expect(typescript.status, typescript.text).toBe(200);
    expect(python.status, python.text).toBe(200);
    expect(python.body).toEqual(typescript.body);
    expect((typescript.body as { rows: unknown[] }).rows).toHaveLength(5);
  });
});
