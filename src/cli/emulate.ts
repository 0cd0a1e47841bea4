/**
 * `gatehouse emulate`: the Bentley, Autodesk and Seequent emulators on their own, for developers who
 * want them outside the hub. Ports come from GATEHOUSE_EMULATOR_PORTS (default 8091,8092,8093); the
 * command prints each base URL and the clients it registered, and runs until SIGINT or SIGTERM.
 * GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS (optional, comma-separated) sets `sandbox-web`'s redirect URIs.
 * Their state (grants, refresh tokens, keys, revocations, seed data) lives in `--data-dir`, default
 * `$GATEHOUSE_DATA_DIR/emulators` (`./data/emulators`), so a restart on the same ports forgets nothing.
 */
import { join, resolve } from "node:path";
import { DEFAULT_EMULATOR_PORTS, startEmulators, type Emulator, type Emulators } from "../emulators/index.ts";
import { stopSignal } from "./stopSignal.ts";

export class EmulatorConfigError extends Error {
  readonly code = "invalid_config";
  constructor(message: string) {
    super(message);
    this.name = "EmulatorConfigError";
  }
}

/** Parses "8091,8092,8093": three distinct ports, each 0 (any) or 1–65535. */
export function parseEmulatorPorts(value: string | undefined): [number, number, number] {
  if (value === undefined || value.trim() === "") return [...DEFAULT_EMULATOR_PORTS];
  const parts = value.split(",").map((p) => p.trim());
  const ports = parts.map((p) => (/^\d{1,5}$/.test(p) ? Number(p) : Number.NaN));
  if (ports.length !== 3 || ports.some((p) => !Number.isInteger(p) || p < 0 || p > 65_535)) {
    throw new EmulatorConfigError(
      `GATEHOUSE_EMULATOR_PORTS must be three ports for Bentley, Autodesk and Seequent, like "8091,8092,8093" (got "${value}")`,
    );
  }
  const fixed = ports.filter((p) => p !== 0);
  if (new Set(fixed).size !== fixed.length) {
    throw new EmulatorConfigError(
      `GATEHOUSE_EMULATOR_PORTS must name three different ports (got "${value}")`,
    );
  }
  return [ports[0]!, ports[1]!, ports[2]!];
}

/** Parses GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS: comma-separated absolute http(s) URLs for `sandbox-web`. */
export function parseWebRedirectUris(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [];
  const uris = value.split(",").map((u) => u.trim());
  for (const uri of uris) {
    const url = URL.parse(uri);
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hash) {
      throw new EmulatorConfigError(
        `GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS must be comma-separated absolute http(s) URLs without a fragment (got "${uri}")`,
      );
    }
  }
  return uris;
}

function describe(emulator: Emulator, signsInAt?: string): string {
  const lines = [`${emulator.displayName}: ${emulator.url}`];
  if (signsInAt) lines.push(`  tokens from the Bentley IMS emulator at ${signsInAt}`);
  for (const client of emulator.clients()) {
    lines.push(
      `  client ${client.clientId}${client.clientSecret ? ` (secret ${client.clientSecret})` : " (public)"}`,
    );
    lines.push(`    grants: ${client.grantTypes.join(", ")}`);
    lines.push(`    redirect URIs: ${client.redirects}`);
  }
  return lines.join("\n");
}

/** `--data-dir`, else `$GATEHOUSE_DATA_DIR/emulators`, else `./data/emulators`; absolute. */
export function emulatorDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) {
    if (flag.trim() === "") throw new EmulatorConfigError("--data-dir must name a directory");
    return resolve(flag);
  }
  const base = env.GATEHOUSE_DATA_DIR?.trim() ? env.GATEHOUSE_DATA_DIR : "./data";
  return join(resolve(base), "emulators");
}

/** The text `gatehouse emulate` prints once the emulators listen. */
export function describeEmulators(emulators: Emulators): string {
  return [
    describe(emulators.bentley),
    describe(emulators.autodesk),
    describe(emulators.seequent, emulators.bentley.url),
    "Users: alice@example.com, bob@example.com, carol@example.com (password: sandbox)",
    emulators.dataDir
      ? `State: ${emulators.dataDir} (kept across restarts on the same ports; delete it to start afresh)`
      : "State: in memory (gone when the emulators stop)",
    "Knobs: PATCH /_emulator/knobs, stats: GET /_emulator/stats on each emulator. Ctrl-C stops.",
  ].join("\n");
}

export interface EmulateOptions {
  env?: NodeJS.ProcessEnv;
  /** `--data-dir`: where the state lives (default `$GATEHOUSE_DATA_DIR/emulators`). */
  dataDir?: string;
  out?: NodeJS.WritableStream;
  /** Resolves when the command should stop (default: the first SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

/** Runs the emulators until stopped; returns the exit code. */
export async function emulate(options: EmulateOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  let ports: [number, number, number];
  let webRedirectUris: string[];
  let dataDir: string;
  try {
    ports = parseEmulatorPorts(env.GATEHOUSE_EMULATOR_PORTS);
    webRedirectUris = parseWebRedirectUris(env.GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS);
    dataDir = emulatorDataDir(options.dataDir, env);
  } catch (error) {
    if (error instanceof EmulatorConfigError) {
      process.stderr.write(`gatehouse emulate: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  let emulators: Emulators;
  try {
    emulators = await startEmulators({ ports, webRedirectUris, dataDir });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`gatehouse emulate: could not start the emulators: ${reason}\n`);
    return 1;
  }
  out.write(`${describeEmulators(emulators)}\n`);

  await (options.until ?? stopSignal());
  await emulators.close();
  out.write("emulators stopped\n");
  return 0;
}
