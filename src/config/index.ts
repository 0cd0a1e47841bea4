import { resolve } from "node:path";
import { z } from "zod";
import { GatehouseError } from "../errors.ts";

/** The hub's settings, validated from the environment (CONTRACT §2). */
export interface HubConfig {
  port: number;
  host: string;
  /** Origin plus optional path, without a trailing slash. */
  publicUrl: string;
  dataDir: string;
  databaseUrl: string;
  /** `id1:base64key,id2:base64key`, or null: generated into `$dataDir/keys.json`. */
  encryptionKeys: string | null;
  adminEmail: string | null;
  adminPassword: string | null;
  sandbox: boolean;
  appsDirs: string[];
  emulatorPorts: [number, number, number];
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** How long a browser session lasts without signing in again. */
  sessionTtlMs: number;
  /** Login attempts per client address per minute. */
  loginRateLimitPerMinute: number;
  /** Refresh connections shortly before they expire, in the background (`gatehouse start` only). */
  backgroundRefresh: boolean;
  /**
   * Whose X-Forwarded-For to believe (client addresses for the login rate limit and logs): false (default),
   * true (any proxy), a number of hops, or a comma-separated list of proxy addresses/CIDRs.
   */
  trustProxy: boolean | number | string;
}

/** A configuration the hub cannot start with; the message names the variable. */
export class ConfigError extends GatehouseError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super("invalid_config", message, { variable });
  }
}

export interface LoadConfigOptions {
  /** What GATEHOUSE_SANDBOX means when unset: true under `npm start`, false elsewhere. */
  sandboxDefault?: boolean;
}

const portNumber = z.coerce.number().int().min(0).max(65535);
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Each variable's parser, so that a failure can name exactly the variable it came from. */
const parsers = {
  PORT: portNumber,
  HOST: z.string().min(1),
  GATEHOUSE_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" })
    .refine((value) => {
      if (!URL.canParse(value)) return true; // reported by .url() already
      const url = new URL(value);
      return url.search === "" && url.hash === "" && url.username === "" && url.password === "";
    }, "must not carry a query, a fragment or credentials"),
  GATEHOUSE_DATA_DIR: z.string().min(1),
  GATEHOUSE_DATABASE_URL: z
    .string()
    .regex(
      /^(sqlite:.+|postgres(ql)?:\/\/.+)$/,
      "must be sqlite:<path> or postgres://user:pass@host:port/db",
    ),
  GATEHOUSE_ENCRYPTION_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]+(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=_-]+)*$/,
      "must be id1:base64key,id2:base64key",
    ),
  GATEHOUSE_ADMIN_EMAIL: z.email("must be an email address"),
  GATEHOUSE_ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters"),
  GATEHOUSE_SANDBOX: z.enum(["true", "false", "1", "0"], "must be true or false"),
  GATEHOUSE_APPS_DIR: z.string().min(1),
  GATEHOUSE_EMULATOR_PORTS: z
    .string()
    .regex(/^\s*\d+\s*,\s*\d+\s*,\s*\d+\s*$/, "must be three ports, e.g. 8091,8092,8093")
    .transform((value) => value.split(",").map((part) => Number(part.trim())))
    .refine((ports) => ports.every((port) => port <= 65535), "ports must be at most 65535"),
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`),
  GATEHOUSE_SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365),
  GATEHOUSE_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000),
  GATEHOUSE_BACKGROUND_REFRESH: z.enum(["true", "false", "1", "0"], "must be true or false"),
  GATEHOUSE_TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/,
      "must be true, false, a number of hops, or proxy addresses (e.g. 10.0.0.0/8,127.0.0.1)",
    )
    .transform((value): boolean | number | string =>
      value === "true" ? true : value === "false" ? false : /^\d+$/.test(value) ? Number(value) : value,
    ),
};

type Variable = keyof typeof parsers;

function read<V extends Variable>(
  env: NodeJS.ProcessEnv,
  name: V,
): z.output<(typeof parsers)[V]> | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const result = parsers[name].safeParse(raw);
  if (!result.success) {
    const why = result.error.issues[0]?.message ?? "is invalid";
    throw new ConfigError(
      name,
      `${name}: ${why} (got "${name.includes("PASSWORD") || name.includes("KEYS") ? "…" : raw}")`,
    );
  }
  return result.data as z.output<(typeof parsers)[V]>;
}

/**
 * Reads CONTRACT §2's variables from `env`, applies the defaults, and checks each one. Throws ConfigError
 * naming the first bad variable. Paths are resolved against the working directory.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): HubConfig {
  const port = read(env, "PORT") ?? 8080;
  const host = read(env, "HOST") ?? "127.0.0.1";
  const publicUrl = (read(env, "GATEHOUSE_PUBLIC_URL") ?? `http://localhost:${port}`).replace(/\/+$/, "");
  const dataDir = resolve(read(env, "GATEHOUSE_DATA_DIR") ?? "./data");
  const databaseUrl = read(env, "GATEHOUSE_DATABASE_URL") ?? `sqlite:${resolve(dataDir, "gatehouse.db")}`;
  const sandboxRaw = read(env, "GATEHOUSE_SANDBOX");
  const sandbox =
    sandboxRaw === undefined
      ? (options.sandboxDefault ?? false)
      : sandboxRaw === "true" || sandboxRaw === "1";
  const appsDir = read(env, "GATEHOUSE_APPS_DIR");
  const appsDirs = appsDir
    ? [resolve(appsDir)]
    : [resolve("./apps"), ...(sandbox ? [resolve("./examples")] : [])];
  const ports = read(env, "GATEHOUSE_EMULATOR_PORTS") ?? [8091, 8092, 8093];
  const adminEmail = read(env, "GATEHOUSE_ADMIN_EMAIL") ?? null;
  const adminPassword = read(env, "GATEHOUSE_ADMIN_PASSWORD") ?? null;
  if (adminEmail && !adminPassword && !sandbox) {
    throw new ConfigError(
      "GATEHOUSE_ADMIN_PASSWORD",
      "GATEHOUSE_ADMIN_PASSWORD: must be set together with GATEHOUSE_ADMIN_EMAIL",
    );
  }
  if (adminPassword && !adminEmail) {
    throw new ConfigError(
      "GATEHOUSE_ADMIN_EMAIL",
      "GATEHOUSE_ADMIN_EMAIL: must be set together with GATEHOUSE_ADMIN_PASSWORD",
    );
  }
  return {
    port,
    host,
    publicUrl,
    dataDir,
    databaseUrl,
    encryptionKeys: read(env, "GATEHOUSE_ENCRYPTION_KEYS") ?? null,
    adminEmail: adminEmail?.toLowerCase() ?? null,
    adminPassword,
    sandbox,
    appsDirs,
    emulatorPorts: [ports[0] ?? 8091, ports[1] ?? 8092, ports[2] ?? 8093],
    logLevel: read(env, "LOG_LEVEL") ?? "info",
    sessionTtlMs: (read(env, "GATEHOUSE_SESSION_TTL_HOURS") ?? 12) * 3_600_000,
    loginRateLimitPerMinute: read(env, "GATEHOUSE_LOGIN_RATE_LIMIT") ?? 10,
    backgroundRefresh: ["true", "1", undefined].includes(read(env, "GATEHOUSE_BACKGROUND_REFRESH")),
    trustProxy: read(env, "GATEHOUSE_TRUST_PROXY") ?? false,
  };
}

/** The OAuth redirect URI every integration registers at its provider (CONTRACT §2: trailing slash, exactly). */
export function callbackUrl(config: Pick<HubConfig, "publicUrl">): string {
  return `${config.publicUrl}/api/integrations/oauth2/callback/`;
}
