/**
 * Hostile apps against the file system, on a real hub with the real sandbox: the hub's key file, its
 * database and write-ahead log, its /proc, its environment, another app's directory — by absolute paths,
 * `..`, links made before and after the app loaded, and imports at load time. Every run-time attack is made
 * by the TypeScript app and by its Python twin (test/helpers/hostileLanguages.ts). A TypeScript app is tried
 * twice: with both layers (as deployed) and with the sandbox alone (Node's permission model off), so that the
 * operating system's boundary is shown to hold by itself; a Python app has the sandbox alone.
 */
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_APP_UID_BASE } from "../../src/apps/sandbox/identity.ts";
import { restartWith, startHostileHub, type HostileHub, describeSandboxed } from "../helpers/hostileHub.ts";
import { HOSTILE_LANGUAGES, inEveryLanguage, PYTHON, TYPESCRIPT } from "../helpers/hostileLanguages.ts";

const TS_IMPORTS = [
  "import-text",
  "import-json",
  "import-bytes",
  "import-require",
  "import-require-resolve",
  "import-dynamic",
  "import-dotdot",
  "import-link",
  "import-tsconfig",
  "import-package-imports",
  "import-parent-package",
];
const PY_IMPORTS = [
  "import-py-loader",
  "import-py-runpy",
  "import-py-dotdot",
  "import-py-parent",
  "import-py-link",
];

describeSandboxed("hostile apps against the file system", () => {
  let h: HostileHub;

  beforeAll(async () => {
    h = await startHostileHub({
      apps: inEveryLanguage("reader", "processes"),
      imports: [...TS_IMPORTS, ...PY_IMPORTS],
      prepare(appsDir, { keysFile }) {
        for (const app of ["import-link", "import-py-link"])
          symlinkSync(keysFile, join(appsDir, app, "secret.json"));
        mkdirSync(join(appsDir, "node_modules", "outside-package"), { recursive: true });
        writeFileSync(
          join(appsDir, "node_modules", "outside-package", "index.js"),
          `export { default } from ${JSON.stringify(keysFile)};`,
        );
        writeFileSync(
          join(appsDir, "outside_module.py"),
          `SECRET = open(${JSON.stringify(keysFile)}).read()\n`,
        );
      },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  const errorOf = (outcome: unknown) => String(outcome).replace(/^error:/, "");

  for (const language of HOSTILE_LANGUAGES) {
    const reader = language.app("reader");
    const appDir = () => join(h.appsDir, reader);
    const everyWay = (outcome: string) => Object.fromEntries(language.readWays.map((way) => [way, outcome]));

    describe(`${language.name}: at run time`, () => {
      for (const layers of language.layers) {
        describe(layers, () => {
          const refused = language.refusedRead(layers);

          beforeAll(async () => {
            await restartWith(h, reader, { languagePermissions: layers === "both layers" });
          });

          it("cannot read the key file, the database, its WAL or its shared memory by absolute path", async () => {
            for (const path of [
              h.keysFile,
              h.databaseFile,
              `${h.databaseFile}-wal`,
              `${h.databaseFile}-shm`,
            ]) {
              const { status, values } = await h.run(reader, "read", { path });
              expect(status).toBe(200);
              expect({ path, outcome: values }).toEqual({ path, outcome: everyWay(`error:${refused}`) });
            }
            h.expectNoSecretsLeaked();
          });

          it("cannot climb to them with .. from its own directory", async () => {
            const path = relative(appDir(), h.keysFile);
            expect(path.startsWith("../")).toBe(true);
            const { values } = await h.run(reader, "read", { path });
            expect(values).toEqual(everyWay(`error:${refused}`));
          });

          it("cannot list the data directory, /root, or another app's directory", async () => {
            const other = join(h.appsDir, language.app("processes"));
            for (const path of [h.dataDir, "/root", other, "/home"]) {
              const { values } = await h.run(reader, "list", { path });
              expect({ path, list: values.list }).toEqual({ path, list: `error:${refused}` });
            }
          });

          it("cannot read the hub's /proc: environ, memory, file descriptors", async () => {
            for (const path of [
              `/proc/${process.pid}/environ`,
              `/proc/${process.pid}/mem`,
              `/proc/${process.pid}/fd/0`,
            ]) {
              const { values } = await h.run(reader, "read", { path });
              expect({ path, read: Object.values(values)[0] }).toEqual({ path, read: `error:${refused}` });
            }
            h.expectNoSecretsLeaked();
          });

          it("a link into the hub's data made after it loaded leads nowhere", async () => {
            const link = join(appDir(), "late-link.json");
            symlinkSync(h.keysFile, link);
            try {
              const { values } = await h.run(reader, "read", { path: link });
              // Node's permission model checks the link's own path (inside the app), so the kernel answers.
              expect(values).toEqual(everyWay("error:ENOENT"));
              h.expectNoSecretsLeaked();
            } finally {
              // The next start would refuse the directory for it (see "links and imports at load").
              rmSync(link);
            }
          });

          it("holds nothing of the hub's environment", async () => {
            const { values, text } = await h.run(reader, "environment");
            const env = JSON.parse(String(values.env)) as Record<string, string>;
            expect(Object.keys(env).sort()).toEqual(
              expect.arrayContaining([
                "GATEHOUSE_APP",
                "GATEHOUSE_CHANNEL_FD",
                "HOME",
                "TMPDIR",
                ...language.workerEnv,
              ]),
            );
            expect(Object.keys(env).join(",")).not.toMatch(/DATABASE|ENCRYPTION|ADMIN|VITEST|CANARY|PG/);
            h.expectNoSecretsLeaked(text);
          });

          it("cannot write its own directory; only its /tmp", async () => {
            const own = await h.run(reader, "write", { path: join(appDir(), "planted.py") });
            expect(errorOf(own.values.write)).toBe(language.refusedWrite(layers));
            const tmp = await h.run(reader, "write", { path: "/tmp/scratch" });
            expect(tmp.values.write).toBe(
              layers === "both layers" ? "error:ERR_ACCESS_DENIED" : "ok:written",
            );
          });
        });
      }
    });

    describe(`${language.name}: what the sandbox alone leaves an app`, () => {
      beforeAll(async () => {
        await restartWith(h, reader, { languagePermissions: false });
      });

      it("runs as its own unprivileged uid and gid, with no capabilities, no new privileges, its own processes", async () => {
        const { values } = await h.run(reader, "whoami");
        // Under a root hub, app i (in name order) is GATEHOUSE_APP_UID_BASE + i; else the hub's own uid.
        const index = h.registry.list().findIndex((app) => app.spec.name === reader);
        const uid = process.getuid?.() === 0 ? DEFAULT_APP_UID_BASE + index : process.getuid?.();
        expect(values).toMatchObject({ uid, gid: uid, capEff: "0000000000000000", noNewPrivs: "1" });
        expect(values.hostname).toBe("gatehouse-app");
        expect(String(values.groups).split(",")).not.toContain("0");
        // Its /proc has its own PID namespace only: the sandbox's init, its bubblewrap and itself.
        expect(String(values.processes).split(",").length).toBeLessThanOrEqual(3);
        expect(values.root).toBe("ok:dev,etc,lib,lib64,proc,tmp,usr");
      });

      it("can write nowhere but /tmp: not the sandbox's root, nor /dev, nor /dev/shm (which no cap would hold)", async () => {
        for (const path of ["/planted", "/dev/planted", "/dev/shm/planted", "/usr/lib/planted"]) {
          const { values } = await h.run(reader, "write", { path });
          expect({ path, write: values.write }).toEqual({
            path,
            write: expect.stringMatching(/^error:(EROFS|EACCES)$/),
          });
        }
        expect((await h.run(reader, "write", { path: "/dev/null" })).values.write).toBe("ok:written");
      });

      it("has a /tmp of 64 MiB", async () => {
        const { values } = await h.run(reader, "fill", { megabytes: 100 });
        expect(values.outcome).toBe("error:ENOSPC");
        expect(values.megabytes).toBeGreaterThanOrEqual(60);
        expect(values.megabytes).toBeLessThanOrEqual(64);
      });
    });
  }

  describe("TypeScript: the bundle", () => {
    it.runIf(process.getuid?.() === 0)("its bundle is readable by the hub and its own gid only", async () => {
      await h.run(TYPESCRIPT.app("reader"), "whoami");
      const cmdline = readFileSync(`/proc/${h.registry.get("reader")!.pid}/cmdline`, "utf8");
      const dir = /\/[^\0]*\/gatehouse-app-reader-[^/\0]+/.exec(cmdline)?.[0];
      expect(dir).toBeDefined();
      const index = h.registry.list().findIndex((app) => app.spec.name === "reader");
      for (const [path, mode] of [
        [dir!, 0o750],
        [join(dir!, "app.mjs"), 0o640],
      ] as const) {
        const stat = statSync(path);
        expect({ path, mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid }).toEqual({
          path,
          mode,
          uid: 0,
          gid: DEFAULT_APP_UID_BASE + index,
        });
      }
      // And its app directory sits in one only root can enter: the outer bubblewrap, as root, mounts it.
      expect(statSync(h.appsDir).mode & 0o777).toBe(0o700);
    });
  });

  describe("Python: the runtime", () => {
    it("sees Gatehouse's SDK and worker only: no tests, no sources of the hub, nothing writable", async () => {
      const { values } = await h.run(PYTHON.app("reader"), "runtime");
      expect(values.entries).toBe("gatehouse,worker.py");
      expect(String(values.sdk)).toContain("_worker.py");
      const write = await h.run(PYTHON.app("reader"), "write", {
        path: join(String(values.runtime), "worker.py"),
      });
      expect(write.values.write).toMatch(/^error:(EROFS|EACCES)$/);
      const tests = await h.run(PYTHON.app("reader"), "list", {
        path: join(import.meta.dirname, "../..", "python"),
      });
      expect(tests.values.list).toBe("error:ENOENT");
    });
  });

  describe("links and imports at load", () => {
    const loadError = async (app: string, view = "leak") => {
      const admin = await h.t.admin();
      const res = await admin.get<{ status: string; error: string | null }>(`/api/apps/${app}`);
      expect(res.body.status).toBe("error");
      const answer = await h.run(app, view);
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe("app_load_failed");
      return res.body.error!;
    };
    const outside = (specifier: string, target: string) =>
      `import "${specifier}" resolves to ${target}, outside the app directory`;
    const notThere = (path: string) => `FileNotFoundError: [Errno 2] No such file or directory: '${path}'`;

    it.each(["import-link", "import-py-link"])(
      "an app directory holding a link out of it is refused at load, naming the link (%s)",
      async (app) => {
        expect(await loadError(app)).toContain(
          `secret.json is a link to ${h.keysFile}, outside the app directory`,
        );
      },
    );

    it.each([
      ["import-text", "static import as text", () => h.keysFile],
      ["import-json", "static import through the JSON loader", () => h.keysFile],
      ["import-bytes", "the WAL as bytes", () => `${h.databaseFile}-wal`],
      ["import-require", "require()", () => h.keysFile],
      ["import-dynamic", "dynamic import()", () => h.keysFile],
    ])("TypeScript: %s (%s) fails the load naming the import", async (app, _form, target) => {
      expect(await loadError(app)).toContain(outside(target(), target()));
    });

    it("TypeScript: a relative path with .. fails the load naming it", async () => {
      const dir = join(h.appsDir, "import-dotdot");
      expect(await loadError("import-dotdot")).toContain(outside(relative(dir, h.keysFile), h.keysFile));
    });

    it("TypeScript: a package from a node_modules above the app directory is not found (it is not in the sandbox)", async () => {
      expect(await loadError("import-parent-package")).toContain('Could not resolve "outside-package"');
    });

    it("TypeScript: tsconfig.json paths and extends are not read", async () => {
      expect(await loadError("import-tsconfig")).toContain('Could not resolve "secret"');
    });

    it("TypeScript: package.json imports mapping out of the directory fail the load", async () => {
      expect(await loadError("import-package-imports")).toContain("#secret");
    });

    it("TypeScript: require.resolve of the key file, left to run time, fails the load in the sandbox", async () => {
      expect(await loadError("import-require-resolve")).toMatch(/Cannot find module|ERR_ACCESS_DENIED/);
    });

    it.each([
      ["import-py-loader", "a loader's get_data"],
      ["import-py-runpy", "runpy.run_path"],
    ])("Python: the key file read at import through %s (%s) fails the load: it is not there", async (app) => {
      expect(await loadError(app)).toMatch(new RegExp(`^app\\.py:\\d+: ${escape(notThere(h.keysFile))}$`));
    });

    it("Python: a relative path with .. fails the load naming it", async () => {
      const path = relative(join(h.appsDir, "import-py-dotdot"), h.keysFile);
      expect(await loadError("import-py-dotdot")).toBe(`app.py:4: ${notThere(path)}`);
    });

    it("Python: a module beside the app directory, put on the path, is not found (it is not in the sandbox)", async () => {
      expect(await loadError("import-py-parent")).toMatch(
        /^app\.py:8: ModuleNotFoundError: No module named 'outside_module' \(install it for /,
      );
    });

    it("no secret reached any answer or log line", () => {
      h.expectNoSecretsLeaked();
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
