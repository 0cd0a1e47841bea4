/**
 * The languages an app can be written in, and how its entry file says which: the one place these rules
 * live (the config reader, the workers and `gatehouse new` read them from here).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

export const APP_LANGUAGES = ["typescript", "python"] as const;
export type AppLanguage = (typeof APP_LANGUAGES)[number];

interface LanguageRules {
  /** Entry files of this language, by name. */
  entry: RegExp;
  /** What such an entry is, in words ("expected …"). */
  entryWords: string;
  /** Entries tried in order when the config names none (VIKTOR apps: app.py, or the package app/). */
  defaultEntries: readonly string[];
}

export const LANGUAGE_RULES: Readonly<Record<AppLanguage, LanguageRules>> = {
  typescript: {
    entry: /\.(m?[jt]s)$/,
    entryWords: "a .ts, .mts, .js or .mjs file",
    defaultEntries: ["app.ts"],
  },
  python: {
    entry: /\.py$/,
    entryWords: "a .py file",
    defaultEntries: ["app.py", "app/__init__.py"],
  },
};

/** The language an entry file is written in, by its name; null for none Gatehouse runs. */
export function languageOfEntry(entry: string): AppLanguage | null {
  return APP_LANGUAGES.find((language) => LANGUAGE_RULES[language].entry.test(entry)) ?? null;
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/**
 * The entry of an app whose config names none: the first default of its language that exists in `dir`; with
 * no language either, TypeScript's, then Python's. Null when none exists (the caller names the first).
 */
export function defaultEntry(dir: string, language: AppLanguage | null): string | null {
  const languages = language ? [language] : APP_LANGUAGES;
  for (const candidate of languages.flatMap((l) => LANGUAGE_RULES[l].defaultEntries)) {
    if (isFile(join(dir, candidate))) return candidate;
  }
  return null;
}
