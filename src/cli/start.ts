/**
 * `gatehouse start` (what `npm start` runs): the hub, and in sandbox mode (the default under `npm start`)
 * the provider emulators, the four sandbox integrations wired to them, an admin and the demo users.
 * Runs until SIGINT or SIGTERM. A bad configuration stops it with one message naming the variable.
 */
import { callbackUrl, ConfigError, loadConfig, type HubConfig } from "../config/index.ts";
import type { Emulators } from "../emulators/index.ts";
import { GatehouseError } from "../errors.ts";
import {
  appMismatches,
  hasMismatches,
  loadedApps,
  mismatchSentences,
} from "../hub/integrations/diagnostics.ts";
import { buildHub, type Hub } from "../hub/server.ts";
import {
  SANDBOX_SERVICE_CLIENT,
  SANDBOX_WEB_CLIENT,
  describeEmulatorEndpoints,
  type EmulatorUrls,
} from "../sandbox/emulators.ts";
import { DEMO_USERS, seedSandbox, type SeedResult } from "../sandbox/seed.ts";
import { startSandboxEmulators } from "./sandboxEmulators.ts";
import { stopSignal } from "./stopSignal.ts";

// The sandbox's emulators live in sandboxEmulators.ts; `gatehouse dev` imports them from here with the rest.
export { emulatorPortsOf, startSandboxEmulators } from "./sandboxEmulators.ts";

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  /** Resolves when the hub should stop (default: the first SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  /** Settings on top of the environment's (e.g. `gatehouse dev` pointing appsDirs at one app). */
  config?: Partial<HubConfig>;
  /** Told once everything listens and is seeded (e.g. to watch files and reload). */
  onStarted?: (started: { hub: Hub; emulators: Emulators | null; url: string }) => void | Promise<void>;
}

/** The emulators' base URLs, once they listen. */
export function emulatorUrls(emulators: Emulators): EmulatorUrls {
  return {
    bentley: emulators.bentley.url,
    autodesk: emulators.autodesk.url,
    seequent: emulators.seequent.url,
  };
}

/**
 * Where a loaded app's gatehouse.config.toml and the hub's assignments disagree, as sentences (also logged
 * as warnings, one line per app). Run after seeding: before it, a first start has no integrations to compare.
 */
export async function reportAppMismatches(hub: Hub): Promise<string[]> {
  const apps = loadedApps(hub.services.apps);
  if (!apps) return [];
  const integrations = await hub.services.integrations.list();
  const sentences: string[] = [];
  for (const app of apps) {
    const mismatches = appMismatches(app, integrations);
    if (!hasMismatches(mismatches)) continue;
    const said = mismatchSentences(mismatches);
    hub.app.log.warn({ ...mismatches, problems: said }, "app and hub disagree about its integrations");
    sentences.push(...said);
  }
  return sentences;
}

/** What `start` prints once everything listens. */
export function describeStart(
  config: HubConfig,
  url: string,
  emulators: Emulators | null,
  seed: SeedResult | null,
  appProblems: readonly string[] = [],
): string {
  const lines = [`Gatehouse hub: ${config.publicUrl}  (listening on ${url})`];
  lines.push(`  OAuth redirect URI to register at providers: ${callbackUrl(config)}`);
  lines.push(`  API description: ${config.publicUrl}/api/openapi.json`);
  if (emulators && seed) {
    lines.push("Sandbox mode (GATEHOUSE_SANDBOX=false starts without emulators and demo data):");
    lines.push(...describeEmulatorEndpoints(emulatorUrls(emulators)));
    lines.push(
      `  Clients registered at each emulator: ${SANDBOX_WEB_CLIENT.clientId} / ${SANDBOX_WEB_CLIENT.clientSecret} (web app),` +
        ` ${SANDBOX_SERVICE_CLIENT.clientId} / ${SANDBOX_SERVICE_CLIENT.clientSecret} (service), sandbox-native (native, PKCE)`,
    );
    lines.push(
      "  Presets point at these emulators here; integrations: bentley-itwin, autodesk-aps, seequent-evo, bentley-itwin-service",
    );
    if (seed.admin.password) {
      lines.push(`  Admin: ${seed.admin.email} / ${seed.admin.password}   (generated; shown this once)`);
    } else {
      lines.push(
        `  Admin: ${seed.admin.email}${seed.admin.created ? " (password from GATEHOUSE_ADMIN_PASSWORD)" : " (existing)"}`,
      );
    }
    lines.push(
      `  Hub users: ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(", ")}; password: sandbox`,
    );
    lines.push(
      "  Emulator accounts to connect with: alice@example.com, bob@example.com, carol@example.com; password: sandbox",
    );
    lines.push(
      `  Open ${config.publicUrl} in a browser (use this exact address: the session cookie is per host).`,
    );
  }
  if (appProblems.length > 0) {
    lines.push("Apps and integrations that do not match (each app's page says the same):");
    lines.push(...appProblems.map((problem) => `  - ${problem}`));
  }
  return lines.join("\n") + "\n";
}

export async function start(options: StartOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  const errOut = options.err ?? process.stderr;
  let config: HubConfig;
  try {
    config = {
      ...loadConfig(env, { sandboxDefault: env.npm_lifecycle_event === "start" }),
      ...options.config,
    };
  } catch (err) {
    if (err instanceof ConfigError) {
      errOut.write(`gatehouse: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  let emulators: Emulators | null = null;
  let hub: Hub | null = null;
  try {
    if (config.sandbox) {
      emulators = await startSandboxEmulators(config);
    }
    // In the sandbox the seed creates the admin (generating a password when none is given).
    hub = await buildHub(config, {
      skipAdminBootstrap: config.sandbox,
      backgroundRefresh: config.backgroundRefresh,
    });
    // Seed before listening: /readyz must not say 200 while the demo users and integrations are missing.
    let seed: SeedResult | null = null;
    if (emulators) {
      seed = await seedSandbox(hub.services, emulatorUrls(emulators), {
        email: config.adminEmail,
        password: config.adminPassword,
      });
    } else if (!(await hub.services.accounts.hasAdmin())) {
      errOut.write(
        "gatehouse: no admin exists yet: set GATEHOUSE_ADMIN_EMAIL and GATEHOUSE_ADMIN_PASSWORD, or run `npx gatehouse users add --role admin`\n",
      );
    }
    const appProblems = await reportAppMismatches(hub);
    const url = await hub.listen();
    out.write(describeStart(config, url, emulators, seed, appProblems));
    await options.onStarted?.({ hub, emulators, url });
    await (options.until ?? stopSignal());
    return 0;
  } catch (err) {
    const message =
      err instanceof GatehouseError || (err as NodeJS.ErrnoException)?.code
        ? (err as Error).message
        : String(err);
    errOut.write(`gatehouse: could not start: ${message}\n`);
    return 1;
  } finally {
    await hub?.close();
    await emulators?.close();
  }
}
