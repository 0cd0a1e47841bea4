import { resolve } from "node:path";
import { z } from "zod";
import { APP_TO_HUB_MAX_FRAME, RESULT_ENVELOPE_BYTES } from "../apps/channel.ts";
import { SANDBOX_SETTINGS, type SandboxSetting } from "../apps/sandbox/settings.ts";
import { DEFAULT_APP_UID_BASE, MAX_APP_UID_BASE } from "../apps/sandbox/identity.ts";
import { DEFAULT_RESULT_MAX_BYTES } from "../sdk/limits.ts";
import { loadOidcConfig, type OidcConfig } from "./oidc.ts";
import { BOOLEAN_WORDS, ConfigError, isTrue, readVariable } from "./variable.ts";

export { ConfigError } from "./variable.ts";
export type { OidcConfig, OidcRoleMapping } from "./oidc.ts";

/** The hub's settings, validated from the environment (the variables the README lists under "The sandbox"). */
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
  /** GATEHOUSE_APP_SANDBOX: run apps under bubblewrap (required), where it works (auto), or never (off). */
  appSandbox: SandboxSetting;
  /** GATEHOUSE_APP_RESULT_MAX_BYTES: the largest view result (its JSON) the hub accepts from an app. */
  appResultMaxBytes: number;
  /** GATEHOUSE_APP_UID_BASE: under a root hub, app i runs as uid and gid base + i. */
  appUidBase: number;
  /**
   * GATEHOUSE_PYTHON: the interpreter Python apps run with (a path, or a command looked up on the PATH); null:
   * /usr/bin/python3 where present, else python3 on the PATH.
   */
  appPython: string | null;
  /**
   * Sign-in through an OpenID provider (GATEHOUSE_OIDC_*), or null. The sandbox fills it in once the
   * Bentley emulator listens, unless GATEHOUSE_OIDC_ISSUER names another provider.
   */
  oidc: OidcConfig | null;
  /** GATEHOUSE_LOCAL_LOGIN: passwords accepted (false: only the bootstrap admin's, GATEHOUSE_ADMIN_EMAIL). */
  localLogin: boolean;
  /** GATEHOUSE_AUDIT_RETENTION_DAYS: audit events and revoked-token tombstones are kept this long. */
  auditRetentionDays: number;
  /**
   * GATEHOUSE_CACHE_TTL_SECONDS: the longest an in-process cache entry lives even if no change is heard (the
   * safety TTL of the token API's caches; the change feed drops entries sooner). 0 turns the caches off.
   */
  cacheTtlSeconds: number;
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
  GATEHOUSE_SANDBOX: z.enum(BOOLEAN_WORDS, "must be true or false"),
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
  GATEHOUSE_BACKGROUND_REFRESH: z.enum(BOOLEAN_WORDS, "must be true or false"),
  GATEHOUSE_LOCAL_LOGIN: z.enum(BOOLEAN_WORDS, "must be true or false"),
  GATEHOUSE_AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(36_500, "must be at most 36500 days"),
  GATEHOUSE_TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/,
      "must be true, false, a number of hops, or proxy addresses (e.g. 10.0.0.0/8,127.0.0.1)",
    )
    .transform((value): boolean | number | string =>
      value === "true" ? true : value === "false" ? false : /^\d+$/.test(value) ? Number(value) : value,
    ),
  GATEHOUSE_APP_SANDBOX: z.enum(SANDBOX_SETTINGS, `must be one of ${SANDBOX_SETTINGS.join(", ")}`),
  GATEHOUSE_APP_RESULT_MAX_BYTES: z.coerce
    .number()
    .int("must be a whole number of bytes")
    .min(1024, "must be at least 1024 bytes")
    .max(
      APP_TO_HUB_MAX_FRAME - RESULT_ENVELOPE_BYTES,
      `must be at most ${APP_TO_HUB_MAX_FRAME - RESULT_ENVELOPE_BYTES} bytes (what one message from an app can carry)`,
    ),
  GATEHOUSE_APP_UID_BASE: z.coerce
    .number()
    .int("must be a whole number")
    .min(1000, "must be at least 1000 (below are the host's system users)")
    .max(MAX_APP_UID_BASE, `must be at most ${MAX_APP_UID_BASE}`),
  GATEHOUSE_PYTHON: z
    .string()
    .max(4096, "must be at most 4096 characters")
    .regex(/^[^\0\n]+$/, "must be a path or a command name on one line"),
  GATEHOUSE_CACHE_TTL_SECONDS: z.coerce
    .number()
    .int("must be a whole number of seconds")
    .min(0, "must be 0 (caches off) or more")
    .max(3600, "must be at most 3600 (an hour)"),
};

type Variable = keyof typeof parsers;

function read<V extends Variable>(
  env: NodeJS.ProcessEnv,
  name: V,
): z.output<(typeof parsers)[V]> | undefined {
  return readVariable(env, name, parsers[name]) as z.output<(typeof parsers)[V]> | undefined;
}

/**
 * Reads the hub's variables from `env`, applies the defaults, and checks each one. Throws ConfigError
 * naming the first bad variable. Paths are resolved against the working directory.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): HubConfig {
  const port = read(env, "PORT") ?? 8080;
  const host = read(env, "HOST") ?? "127.0.0.1";
  const publicUrl = (read(env, "GATEHOUSE_PUBLIC_URL") ?? `http://localhost:${port}`).replace(/\/+$/, "");
  const dataDir = resolve(read(env, "GATEHOUSE_DATA_DIR") ?? "./data");
  const databaseUrl = read(env, "GATEHOUSE_DATABASE_URL") ?? `sqlite:${resolve(dataDir, "gatehouse.db")}`;
  const sandboxRaw = read(env, "GATEHOUSE_SANDBOX");
  const sandbox = isTrue(sandboxRaw, options.sandboxDefault ?? false);
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
  const oidc = loadOidcConfig(env);
  const localLogin = isTrue(read(env, "GATEHOUSE_LOCAL_LOGIN"), true);
  if (!localLogin && !oidc && !sandbox) {
    throw new ConfigError(
      "GATEHOUSE_LOCAL_LOGIN",
      "GATEHOUSE_LOCAL_LOGIN: false needs an identity provider (GATEHOUSE_OIDC_ISSUER); otherwise only the bootstrap admin could sign in",
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
    backgroundRefresh: isTrue(read(env, "GATEHOUSE_BACKGROUND_REFRESH"), true),
    trustProxy: read(env, "GATEHOUSE_TRUST_PROXY") ?? false,
    appSandbox: read(env, "GATEHOUSE_APP_SANDBOX") ?? "auto",
    appResultMaxBytes: read(env, "GATEHOUSE_APP_RESULT_MAX_BYTES") ?? DEFAULT_RESULT_MAX_BYTES,
    appUidBase: read(env, "GATEHOUSE_APP_UID_BASE") ?? DEFAULT_APP_UID_BASE,
    appPython: pythonSetting(read(env, "GATEHOUSE_PYTHON")),
    oidc,
    localLogin,
    auditRetentionDays: read(env, "GATEHOUSE_AUDIT_RETENTION_DAYS") ?? 365,
    cacheTtlSeconds: read(env, "GATEHOUSE_CACHE_TTL_SECONDS") ?? 30,
  };
}

/** A path (resolved against the working directory, like the other paths) or a command name for the PATH. */
function pythonSetting(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.includes("/") ? resolve(value) : value;
}

/** The OAuth redirect URI every integration registers at its provider (trailing slash, exactly). */
export function callbackUrl(config: Pick<HubConfig, "publicUrl">): string {
  return `${config.publicUrl}/api/integrations/oauth2/callback/`;
}
