/**
 * An app's configuration: its gatehouse.config.toml (CONTRACT §4), or, for an app brought over from VIKTOR
 * as it is, the seeds' own viktor.config.toml (registered_name, oauth2_integrations, app_type,
 * python_version) beside an app.py. Either is checked with a schema; an error names the file, the key and
 * what was expected.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { GatehouseError } from "../errors.ts";
import { APP_NAME, INTEGRATION_NAME } from "../names.ts";
import {
  APP_LANGUAGES,
  defaultEntry,
  LANGUAGE_RULES,
  languageOfEntry,
  type AppLanguage,
} from "./languages.ts";

export const APP_CONFIG_FILE = "gatehouse.config.toml";
export const VIKTOR_CONFIG_FILE = "viktor.config.toml";
/** The files that make a directory an app, in the order they are looked for: the first one found is read. */
export const APP_CONFIG_FILES = [APP_CONFIG_FILE, VIKTOR_CONFIG_FILE] as const;

/** An app as its config describes it, with paths resolved. */
export interface AppSpec {
  name: string;
  title: string;
  description: string;
  dir: string;
  configPath: string;
  entryPath: string;
  language: AppLanguage;
  /** `oauth2_integrations`: the integrations the app says it uses. */
  integrations: string[];
  /** `python_version` (VIKTOR's): the Python the app was written for; compared with the interpreter's. */
  pythonVersion: string | null;
  /** Things in the config the hub ignored (unknown keys, a second config file). */
  configWarnings: string[];
}

/** A config the hub cannot use; the message names the file, the key and what was expected. */
export class AppConfigError extends GatehouseError {
  constructor(
    readonly file: string,
    readonly key: string | null,
    message: string,
  ) {
    super("invalid_app_config", message, { file, key });
  }
}

const appName = z.string("a string").regex(APP_NAME, "1-64 of a-z 0-9 - _, starting with a letter or digit");
const integrations = z
  .array(
    z.string("a string").regex(INTEGRATION_NAME, "integration names (1-64 of a-z 0-9 - _)"),
    "an array of integration names",
  )
  .max(50, "at most 50 integrations")
  .default([]);
/** VIKTOR's keys, read in either file: neither changes how the app runs. */
const viktorKeys = {
  app_type: z.string("a string").max(100, "at most 100 characters").optional(),
  python_version: z
    .string("a string")
    .regex(/^\d{1,2}(\.\d{1,3}){0,2}$/, 'a Python version such as "3.13"')
    .optional(),
};

const gatehouseSchema = z.object({
  name: appName,
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
    .refine((value) => languageOfEntry(value) !== null, "a .ts, .mts, .js, .mjs or .py file")
    .optional(),
  language: z.enum(APP_LANGUAGES, `one of ${APP_LANGUAGES.join(", ")}`).optional(),
  oauth2_integrations: integrations,
  ...viktorKeys,
});
// VIKTOR's name for `name`: a gatehouse.config.toml copied from a viktor.config.toml may keep it.
const GATEHOUSE_TOLERATED = new Set(["registered_name"]);

const viktorSchema = z.object({
  registered_name: appName,
  oauth2_integrations: integrations,
  ...viktorKeys,
});

/** VIKTOR's app types: editor and simple apps are one page of parameters and views, as Gatehouse apps are. */
const APP_TYPE_NOTES: Record<string, string | null> = {
  editor: null,
  simple: null,
  tree: "Gatehouse apps have no entity tree; it runs as one page, like an editor app",
};

function firstLine(message: string | undefined): string {
  return (message ?? "parse error").split("\n")[0]!;
}

function readToml(configPath: string): Record<string, unknown> {
  try {
    return parseToml(readFileSync(configPath, "utf8"));
  } catch (err) {
    const where = err as { line?: number; column?: number; message?: string };
    const at = where.line ? ` (line ${where.line}, column ${where.column ?? 1})` : "";
    throw new AppConfigError(
      configPath,
      null,
      `${configPath}: not valid TOML${at}: ${firstLine(where.message)}`,
    );
  }
}

function parseWith<T extends z.ZodType>(schema: T, raw: Record<string, unknown>, configPath: string) {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.map(String).join(".") || "(file)";
  const expected =
    issue.code === "invalid_type" && raw[key] === undefined ? "is required" : `expected ${issue.message}`;
  throw new AppConfigError(configPath, key, `${configPath}: key "${key}" ${expected}`);
}

function unknownKeys(raw: Record<string, unknown>, known: Set<string>, file: string): string[] {
  return Object.keys(raw)
    .filter((key) => !known.has(key))
    .map((key) => `${file}: unknown key "${key}" ignored`);
}

function appTypeWarnings(appType: string | undefined, file: string): string[] {
  if (appType === undefined || APP_TYPE_NOTES[appType] === null) return [];
  const note = Object.hasOwn(APP_TYPE_NOTES, appType)
    ? APP_TYPE_NOTES[appType]
    : "not a VIKTOR app type Gatehouse knows; it runs as one page, like an editor app";
  return [`${file}: app_type "${appType}": ${note}`];
}

/** The entry's path and language, checked: inside the app directory, an existing file, of the language named. */
function resolveEntry(
  dir: string,
  configPath: string,
  entry: string | undefined,
  language: AppLanguage | undefined,
): { entryPath: string; language: AppLanguage } {
  const named = entry ?? defaultEntry(dir, language ?? null);
  const defaults = (language ? [language] : APP_LANGUAGES).flatMap((l) => LANGUAGE_RULES[l].defaultEntries);
  const file = named ?? defaults[0]!;
  const entryLanguage = languageOfEntry(file)!;
  if (language && entryLanguage !== language) {
    throw new AppConfigError(
      configPath,
      "language",
      `${configPath}: key "language" is "${language}", but the entry ${file} is not ${LANGUAGE_RULES[language].entryWords}`,
    );
  }
  const entryPath = resolve(dir, file);
  const inside = relative(dir, entryPath);
  if (inside.startsWith("..") || isAbsolute(inside)) {
    throw new AppConfigError(
      configPath,
      "entry",
      `${configPath}: key "entry" expected a file inside the app directory`,
    );
  }
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    const others = named === null && defaults.length > 1 ? ` (nor does ${defaults.slice(1).join(", ")})` : "";
    throw new AppConfigError(
      configPath,
      "entry",
      `${configPath}: key "entry" names ${file}, which does not exist${others}`,
    );
  }
  return { entryPath, language: entryLanguage };
}

function readGatehouseConfig(dir: string): AppSpec {
  const configPath = join(dir, APP_CONFIG_FILE);
  const raw = readToml(configPath);
  const config = parseWith(gatehouseSchema, raw, configPath);
  const { entryPath, language } = resolveEntry(dir, configPath, config.entry, config.language);
  const known = new Set([...Object.keys(gatehouseSchema.shape), ...GATEHOUSE_TOLERATED]);
  const configWarnings = [
    ...unknownKeys(raw, known, APP_CONFIG_FILE),
    ...appTypeWarnings(config.app_type, APP_CONFIG_FILE),
    ...(existsSync(join(dir, VIKTOR_CONFIG_FILE))
      ? [`${VIKTOR_CONFIG_FILE} ignored: ${APP_CONFIG_FILE} describes this app`]
      : []),
  ];
  return {
    name: config.name,
    title: config.title ?? config.name,
    description: config.description ?? "",
    dir,
    configPath,
    entryPath,
    language,
    integrations: [...new Set(config.oauth2_integrations)],
    pythonVersion: config.python_version ?? null,
    configWarnings,
  };
}

/** A VIKTOR app directory as it is: viktor.config.toml and app.py (or the package app/). */
function readViktorConfig(dir: string): AppSpec {
  const configPath = join(dir, VIKTOR_CONFIG_FILE);
  const raw = readToml(configPath);
  const config = parseWith(viktorSchema, raw, configPath);
  const { entryPath } = resolveEntry(dir, configPath, undefined, "python");
  return {
    name: config.registered_name,
    title: config.registered_name,
    description: "",
    dir,
    configPath,
    entryPath,
    language: "python",
    integrations: [...new Set(config.oauth2_integrations)],
    pythonVersion: config.python_version ?? null,
    configWarnings: [
      ...unknownKeys(raw, new Set(Object.keys(viktorSchema.shape)), VIKTOR_CONFIG_FILE),
      ...appTypeWarnings(config.app_type, VIKTOR_CONFIG_FILE),
    ],
  };
}

/** Whether `dir` holds a config file that makes it an app. */
export function hasAppConfig(dir: string): boolean {
  return APP_CONFIG_FILES.some((file) => existsSync(join(dir, file)));
}

/** Reads and checks the app in `dir`; throws AppConfigError naming the file and key. */
export function readAppConfig(dir: string): AppSpec {
  if (!existsSync(join(dir, APP_CONFIG_FILE)) && existsSync(join(dir, VIKTOR_CONFIG_FILE)))
    return readViktorConfig(dir);
  return readGatehouseConfig(dir);
}
