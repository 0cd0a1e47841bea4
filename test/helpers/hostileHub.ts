/**
 * A real hub (real sandbox, no mocks) loaded with hostile apps from test/fixtures/hostile, for the
 * apps-hostile-* suites: the apps are copied into a fresh apps directory (templates filled in), the hub keeps
 * its keys in keys.json and its data in SQLite in its data directory, as `gatehouse start` does, and
 * `secrets()` lists every value that must never reach an app: what each test searches its responses and
 * the hub's log for.
 */
import { randomBytes } from "node:crypto";
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject } from "vitest";
import { detectSandbox } from "../../src/apps/sandbox/detect.ts";
import { DEFAULT_APP_UID_BASE } from "../../src/apps/sandbox/identity.ts";
import type { AppRegistry } from "../../src/apps/registry.ts";
import type { DataResultJSON } from "../../src/sdk/results.ts";
import { startTestHub, TEST_ADMIN, type TestHub } from "./hub.ts";

export const FIXTURES = fileURLToPath(new URL("../fixtures/hostile", import.meta.url));

/** Whether this host runs the app sandbox (bubblewrap installed and working). */
export const SANDBOX_HERE = await detectSandbox("auto", DEFAULT_APP_UID_BASE);

/**
 * A suite that needs the real sandbox: declared as usual where the host has one; elsewhere failed when
 * CI=true (CI must run it) and skipped, saying why, on a developer's machine.
 */
export function describeSandboxed(name: string, body: () => void): void {
  if (SANDBOX_HERE.active) describe(name, body);
  else if (process.env.CI === "true") {
    describe(name, () => {
      throw new Error(`CI=true but the app sandbox cannot run here: ${SANDBOX_HERE.reason}`);
    });
  } else describe.skip(`${name} — skipped: the app sandbox cannot run here (${SANDBOX_HERE.reason})`, body);
}

export interface HostileHub {
  t: TestHub;
  registry: AppRegistry;
  /** The apps directory (real path) and the hub's data directory. */
  appsDir: string;
  dataDir: string;
  keysFile: string;
  databaseFile: string;
  /** Every secret value of this hub: key material, passwords, client secrets, canaries. */
  secrets(): string[];
  /** Runs a view as a fresh user; answers the status, the body and the items of a data result by label. */
  run(app: string, view: string, params?: Record<string, unknown>): Promise<ViewAnswer>;
  /** Fails when any secret appears in the texts given, the answers seen so far or the hub's log. */
  expectNoSecretsLeaked(...texts: string[]): void;
  close(): Promise<void>;
}

export interface ViewAnswer {
  status: number;
  body: DataResultJSON & { code?: string; detail?: string };
  text: string;
  values: Record<string, string | number | boolean | null>;
}

export interface HostileHubOptions {
  /** Fixture apps (directories of test/fixtures/hostile) to load. */
  apps: string[];
  /** Templates of test/fixtures/hostile/imports to fill in and load. */
  imports?: string[];
  /** Apps directories searched after the hostile one (e.g. examples/, whose names an app may claim). */
  moreAppsDirs?: string[];
  /** Runs on the apps directory before the hub starts (links, extra files). */
  prepare?: (appsDir: string, hub: { dataDir: string; keysFile: string }) => void;
}

const CANARY_ENV = "GATEHOUSE_HOSTILE_CANARY";

function fillTemplates(dir: string, values: Record<string, string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    let text = readFileSync(path, "utf8");
    for (const [key, value] of Object.entries(values)) text = text.replaceAll(key, value);
    writeFileSync(path, text);
    if (path.endsWith(".template")) renameSync(path, path.slice(0, -".template".length));
  }
}

export async function startHostileHub(options: HostileHubOptions): Promise<HostileHub> {
  const appsDir = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-hostile-apps-")));
  const dataDir = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-hostile-data-")));
  const keysFile = join(dataDir, "keys.json");
  const databaseFile = join(dataDir, "gatehouse.db");
  for (const app of options.apps) cpSync(join(FIXTURES, app), join(appsDir, app), { recursive: true });
  for (const name of options.imports ?? []) {
    const dir = join(appsDir, name);
    cpSync(join(FIXTURES, "imports", name), dir, { recursive: true });
    fillTemplates(dir, {
      __REL_TARGET__: relative(dir, keysFile),
      __TARGET__: keysFile,
      __DATABASE__: databaseFile,
    });
  }
  options.prepare?.(appsDir, { dataDir, keysFile });

  const canary = `canary-env-${randomBytes(12).toString("hex")}`;
  process.env[CANARY_ENV] = canary;
  // Keys in keys.json and the database in SQLite, both in the data directory, as `gatehouse start` keeps them.
  const t = await startTestHub({
    config: {
      appsDirs: [appsDir, ...(options.moreAppsDirs ?? [])],
      sandbox: true,
      dataDir,
      databaseUrl: `sqlite:${databaseFile}`,
      encryptionKeys: null,
    },
  });
  const registry = t.hub.services.apps as AppRegistry;
  const seen: string[] = [];
  // Markers in the database: a user's email in plain text, a client secret encrypted with the keys.
  const markerEmail = `canary-${randomBytes(8).toString("hex")}@example.com`;
  await t.hub.services.accounts.createUser({
    email: markerEmail,
    password: "canary-password-x",
    role: "user",
  });
  const clientSecret = `canary-client-secret-${randomBytes(12).toString("hex")}`;
  const service = (await t.hub.services.integrations.get("bentley-itwin-service"))!;
  await t.hub.services.integrations.create({ ...service, name: "canary-service", apps: [], clientSecret });

  const hostile: HostileHub = {
    t,
    registry,
    appsDir,
    dataDir,
    keysFile,
    databaseFile,
    secrets() {
      const keys = (JSON.parse(readFileSync(keysFile, "utf8")) as { keys: { key: string }[] }).keys;
      const pgPassword = decodeURIComponent(new URL(inject("pgUrl") ?? "postgres://x@h/").password);
      return [
        ...keys.map((k) => k.key),
        canary,
        TEST_ADMIN.password,
        "sandbox-web-secret",
        "sandbox-service-secret",
        clientSecret,
        markerEmail,
        "SQLite format 3",
        ...(pgPassword ? [pgPassword] : []),
      ];
    },
    async run(app, view, params = {}) {
      const user = await t.newUser();
      const res = await user.post<ViewAnswer["body"]>(`/api/apps/${app}/views/${view}`, { params });
      seen.push(res.text);
      const items = res.status === 200 && res.body.type === "data" ? res.body.groups[0]!.items : [];
      return {
        status: res.status,
        body: res.body,
        text: res.text,
        values: Object.fromEntries(items.map((item) => [item.label, item.value])),
      };
    },
    expectNoSecretsLeaked(...texts) {
      const haystack = [...texts, ...seen, ...t.logs].join("\n");
      for (const secret of hostile.secrets()) {
        expect(haystack.includes(secret), `a secret of the hub leaked: ${secret.slice(0, 6)}…`).toBe(false);
      }
    },
    async close() {
      await t.close();
      delete process.env[CANARY_ENV];
      rmSync(appsDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return hostile;
}

/** Starts `app` again with the hub's app settings changed (e.g. Node's permission model off). */
export async function restartWith(
  hostile: HostileHub,
  app: string,
  settings: Parameters<AppRegistry["setRuntimeSettings"]>[0],
): Promise<void> {
  hostile.registry.setRuntimeSettings(settings);
  await hostile.registry.restart(app);
}
