/**
 * What a hostile app can reach besides files and processes, on a real hub with the real sandbox: apps share
 * the host's network, so every service on loopback must authenticate — the test PostgreSQL needs its
 * password, the hub's routes a session, a token or an invocation's capability. And an app cannot take
 * another's name, and with it the integrations assigned to that name. Each is tried by the TypeScript app and
 * by its Python twin (test/helpers/hostileLanguages.ts).
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FIXTURES, startHostileHub, type HostileHub, describeSandboxed } from "../helpers/hostileHub.ts";
import { HOSTILE_LANGUAGES, inEveryLanguage, type HostileLanguage } from "../helpers/hostileLanguages.ts";

/** The Bentley example of each language: an app an impostor claims the name of, and its view. */
const EXAMPLE: Record<HostileLanguage["name"], { app: string; view: string }> = {
  TypeScript: { app: "itwin-browser", view: "bentleyData" },
  Python: { app: "itwin-browser-py", view: "get_bentley_data" },
};

describeSandboxed("hostile apps against loopback services and names", () => {
  const EXAMPLES = resolve(import.meta.dirname, "../../examples");
  const pgUrl = inject("pgUrl");
  let h: HostileHub;

  beforeAll(async () => {
    h = await startHostileHub({
      apps: inEveryLanguage("network"),
      moreAppsDirs: [EXAMPLES],
      prepare(appsDir) {
        // In each language, two directories claim the reader's name; a third claims an example's.
        for (const language of HOSTILE_LANGUAGES) {
          const reader = language.app("reader");
          const claim = (dir: string, name: string) => {
            cpSync(join(FIXTURES, reader), join(appsDir, dir), { recursive: true });
            const config = join(appsDir, dir, "gatehouse.config.toml");
            writeFileSync(config, readFileSync(config, "utf8").replace(/^name = .*$/m, `name = "${name}"`));
          };
          claim(reader, reader);
          claim(language.app("impostor"), reader);
          claim(EXAMPLE[language.name].app, EXAMPLE[language.name].app);
        }
      },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  describe("the test PostgreSQL on loopback", () => {
    it.skipIf(!pgUrl).each(HOSTILE_LANGUAGES.map((language) => [language.name, language.app("network")]))(
      "%s: asks an app for a password (SCRAM), so the app cannot use it",
      async (_name, network) => {
        const port = Number(new URL(pgUrl!).port);
        const { values } = await h.run(network, "postgres", { port });
        expect(values.outcome).toBe("auth:10");
      },
    );

    it.skipIf(!pgUrl)("refuses a client without the password", async () => {
      const url = new URL(pgUrl!);
      url.password = "";
      const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
      await expect(client.connect()).rejects.toThrow(/password/i);
      await client.end().catch(() => undefined);
    });
  });

  for (const language of HOSTILE_LANGUAGES) {
    describe(`${language.name}: the hub's routes, from an app, without a capability`, () => {
      const call = (path: string, extra: Record<string, unknown> = {}) =>
        h.run(language.app("network"), "call", { url: `${h.t.url}${path}`, ...extra });

      it("the runtime token route: no capability, a made-up one, or one that looks right are all refused", async () => {
        for (const capability of [null, "anything", `ghcap_${"A".repeat(43)}`]) {
          const { values } = await call("/api/runtime/token", {
            method: "POST",
            body: JSON.stringify({ integration: "canary-service" }),
            capability,
          });
          expect({ capability, status: values.status }).toEqual({ capability, status: 401 });
          expect(String(values.body)).toContain("invalid_capability");
        }
      });

      it.each([
        ["GET", "/api/admin/apps"],
        ["GET", "/api/admin/integrations"],
        ["GET", "/api/admin/users"],
        ["GET", `/api/apps/${language.app("network")}/integrations/canary-service/token`],
        ["GET", "/api/me/connections"],
        ["POST", "/api/me/tokens"],
      ])("%s %s needs a session or a token", async (method, path) => {
        const { values } = await call(path, { method });
        expect([401, 403]).toContain(values.status);
      });

      it("no secret reached any answer or log line", () => {
        h.expectNoSecretsLeaked();
      });
    });
  }

  for (const language of HOSTILE_LANGUAGES) {
    const reader = language.app("reader");
    const impostor = language.app("impostor");
    const example = EXAMPLE[language.name];

    describe(`${language.name}: names`, () => {
      it("two directories claiming one name are both refused, each naming the other; neither runs", async () => {
        const admin = await h.t.admin();
        const overview = await admin.get<{ failures: { dir: string; message: string }[] }>("/api/admin/apps");
        const byDir = new Map(overview.body.failures.map((f) => [f.dir, f.message]));
        expect(byDir.get(join(h.appsDir, reader))).toContain(
          `"${reader}" is also claimed by ${join(h.appsDir, impostor)}`,
        );
        expect(byDir.get(join(h.appsDir, impostor))).toContain(
          `"${reader}" is also claimed by ${join(h.appsDir, reader)}`,
        );
        const user = await h.t.newUser();
        const apps = await user.get<{ name: string }[]>("/api/apps");
        expect(apps.body.map((a) => a.name)).not.toContain(reader);
        expect((await h.run(reader, "whoami")).status).toBe(404);
      });

      it("an app claiming an example's name takes it from neither: both are refused", async () => {
        const admin = await h.t.admin();
        const overview = await admin.get<{ failures: { dir: string; message: string }[] }>("/api/admin/apps");
        const claims = overview.body.failures.filter((f) =>
          f.message.includes(`"${example.app}" is also claimed`),
        );
        expect(claims.map((f) => f.dir).sort()).toEqual(
          [join(EXAMPLES, example.app), join(h.appsDir, example.app)].sort(),
        );
        const alice = await h.t.signIn("alice@example.com");
        const token = await alice.get(`/api/apps/${example.app}/integrations/bentley-itwin/token`);
        expect(token.status).not.toBe(200);
        expect((await h.run(example.app, example.view)).status).toBe(404);
      });
    });
  }
});
