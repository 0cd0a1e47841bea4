import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { GatehouseError } from "../errors.ts";
import { APP_NAME, INTEGRATION_NAME } from "../names.ts";

export const APP_CONFIG_FILE = "gatehouse.config.toml";

/** An app as its gatehouse.config.toml describes it (CONTRACT §4), with paths resolved. */
export interface AppSpec {
  name: string;
  title: string;
  description: string;
  dir: string;
  configPath: string;
  entryPath: string;
  /** `oauth2_integrations`: the integrations the app says it uses. */
  integrations: string[];
  /** Things in the config the hub ignored (unknown keys). */
  configWarnings: string[];
}

/** A gatehouse.config.toml the hub cannot use; the message names the file, the key and what was expected. */
export class AppConfigError extends GatehouseError {
  constructor(
    readonly file: string,
    readonly key: string | null,
    message: string,
  ) {
    super("invalid_app_config", message, { file, key });
  }
}

const configSchema = z.object({
  name: z.string("a string").regex(APP_NAME, "1-64 of a-z 0-9 - _, starting with a letter or digit"),
  title: z
    .string("a string")
    .trim()
    .min(1, "a non-empty string")
    .max(200, "at most 200 characters")
    .optional(),
  description: z.string("a string").max(2000, "at most 2000 characters").optional(),
  entry: z
    .string("a string")
    .min(1, "a file name")
    .refine((value) => !isAbsolute(value), "a path relative to the app directory")
    .refine((value) => /\.(m?[jt]s)$/.test(value), "a .ts, .mts, .js or .mjs file")
    .default("app.ts"),
  oauth2_integrations: z
    .array(
      z.string("a string").regex(INTEGRATION_NAME, "integration names (1-64 of a-z 0-9 - _)"),
      "an array of integration names",
    )
    .max(50, "at most 50 integrations")
    .default([]),
});
const KNOWN_KEYS = new Set(Object.keys(configSchema.shape));
// VIKTOR configs carry these; an app ported from VIKTOR should load without edits.
const TOLERATED_KEYS = new Set(["app_type", "python_version", "registered_name"]);

/** Reads and checks `<dir>/gatehouse.config.toml`; throws AppConfigError naming the file and key. */
export function readAppConfig(dir: string): AppSpec {
  const configPath = join(dir, APP_CONFIG_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(readFileSync(configPath, "utf8"));
  } catch (err) {
    const where = err as { line?: number; column?: number; message?: string };
    const at = where.line ? ` (line ${where.line}, column ${where.column ?? 1})` : "";
    throw new AppConfigError(
      configPath,
      null,
      `${configPath}: not valid TOML${at}: ${firstLine(where.message)}`,
    );
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.map(String).join(".") || "(file)";
    const expected =
      issue.code === "invalid_type" && raw[key] === undefined ? "is required" : `expected ${issue.message}`;
    throw new AppConfigError(configPath, key, `${configPath}: key "${key}" ${expected}`);
  }
  const config = parsed.data;
  const entryPath = resolve(dir, config.entry);
  const inside = relative(dir, entryPath);
  if (inside.startsWith("..") || isAbsolute(inside)) {
    throw new AppConfigError(
      configPath,
      "entry",
      `${configPath}: key "entry" expected a file inside the app directory`,
    );
  }
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    throw new AppConfigError(
      configPath,
      "entry",
      `${configPath}: key "entry" names ${config.entry}, which does not exist`,
    );
  }
  const configWarnings = Object.keys(raw)
    .filter((key) => !KNOWN_KEYS.has(key) && !TOLERATED_KEYS.has(key))
    .map((key) => `${APP_CONFIG_FILE}: unknown key "${key}" ignored`);
  return {
    name: config.name,
    title: config.title ?? config.name,
    description: config.description ?? "",
    dir,
    configPath,
    entryPath,
    integrations: [...new Set(config.oauth2_integrations)],
    configWarnings,
  };
}

function firstLine(message: string | undefined): string {
  return (message ?? "parse error").split("\n")[0]!;
}
