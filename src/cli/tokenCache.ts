/**
 * The CLI's token cache: one JSON file per (grant, issuer, client id, sorted scopes) under
 * `<config dir>/tokens/`, where the config dir is GATEHOUSE_CONFIG_DIR, else `$XDG_CONFIG_HOME/gatehouse`,
 * else `~/.config/gatehouse` (`%APPDATA%\gatehouse` on Windows). Directories are 0700, files 0600, and every
 * write is a temp file renamed over the old one, so a reader never sees half a file. Client secrets are
 * never written here.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { TokenSet } from "../oauth/index.ts";
import { writePrivateFile } from "../privateFiles.ts";
import type { ResolvedClient } from "./clientConfig.ts";

const cachedGrant = z.enum(["authorization_code", "client_credentials"]);
export type CachedGrant = z.infer<typeof cachedGrant>;

/**
 * What a sign-in (or a service token) left behind, plus what is needed to refresh it without flags. A file
 * in the cache is parsed with this schema: it is a file anyone with the user's rights may have edited.
 */
const cachedTokensSchema = z.object({
  version: z.literal(1),
  grant: cachedGrant,
  provider: z.string(),
  /** The issuer the tokens came from (or the token URL's origin when the server names no issuer). */
  issuer: z.string(),
  clientId: z.string(),
  /** The scopes asked for, sorted: part of the cache key. */
  scopes: z.array(z.string()),
  tokenUrl: z.string(),
  authorizationUrl: z.string().nullable(),
  revocationUrl: z.string().nullable(),
  tokenEndpointAuthMethod: z.enum(["client_secret_basic", "client_secret_post", "none"]),
  accessToken: z.string(),
  tokenType: z.string(),
  refreshToken: z.string().nullable(),
  /** Epoch ms. */
  expiresAt: z.number(),
  /** The scopes the server granted (as reported). */
  grantedScopes: z.array(z.string()),
  savedAt: z.number(),
});
export type CachedTokens = z.infer<typeof cachedTokensSchema>;

/** What the cache keeps of tokens just obtained: the tokens and what is needed to refresh them without flags. */
export function cacheEntry(grant: CachedGrant, client: ResolvedClient, tokens: TokenSet): CachedTokens {
  return {
    version: 1,
    grant,
    provider: client.preset.id,
    issuer: client.issuer,
    clientId: client.oauth.clientId,
    scopes: [...client.scopes].sort(),
    tokenUrl: client.oauth.tokenUrl,
    authorizationUrl: client.oauth.authorizationUrl ?? null,
    revocationUrl: client.oauth.revocationUrl ?? null,
    tokenEndpointAuthMethod: client.oauth.tokenEndpointAuthMethod,
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    grantedScopes: tokens.scopes,
    savedAt: Date.now(),
  };
}

/** The user's Gatehouse config dir (not created here). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEHOUSE_CONFIG_DIR) return env.GATEHOUSE_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "gatehouse");
  if (process.platform === "win32" && env.APPDATA) return join(env.APPDATA, "gatehouse");
  return join(homedir(), ".config", "gatehouse");
}

export function tokenCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "tokens");
}

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

/** The file name for one cache key: a hash, so no issuer or scope text ends up in a path. */
export function cacheFileName(key: {
  grant: CachedGrant;
  issuer: string;
  clientId: string;
  scopes: readonly string[];
}): string {
  const material = JSON.stringify([key.grant, trimSlash(key.issuer), key.clientId, [...key.scopes].sort()]);
  return `${createHash("sha256").update(material).digest("hex").slice(0, 40)}.json`;
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== "win32") chmodSync(dir, 0o700);
}

/** The entry in `file`, or null when it is missing or not a cache entry. */
export function readEntry(file: string): CachedTokens | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = cachedTokensSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Creates the config dir and its tokens dir (0700) when missing; returns the tokens dir. */
export function prepareCacheDir(env: NodeJS.ProcessEnv): string {
  const dir = tokenCacheDir(env);
  ensurePrivateDir(configDir(env));
  ensurePrivateDir(dir);
  return dir;
}

/** Writes `entry` atomically (temp file with mode 0600, then rename); returns the file's path. */
export function writeEntry(env: NodeJS.ProcessEnv, entry: CachedTokens): string {
  const dir = prepareCacheDir(env);
  const file = join(dir, cacheFileName(entry));
  writePrivateFile(file, `${JSON.stringify(entry, null, 2)}\n`);
  return file;
}

/** Every readable entry in the cache, with its file. */
export function listEntries(env: NodeJS.ProcessEnv): { file: string; entry: CachedTokens }[] {
  const dir = tokenCacheDir(env);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  const found: { file: string; entry: CachedTokens }[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    const entry = readEntry(file);
    if (entry) found.push({ file, entry });
  }
  return found;
}

const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 30_000;

/**
 * Runs `work` holding `<file>.lock` (created exclusively), so that two `gatehouse token` processes do not
 * both spend a single-use refresh token. A lock older than a minute is taken over (its holder died).
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) unlinkSync(lock);
      } catch {
        // gone meanwhile: try again
      }
      if (Date.now() > deadline) {
        throw new Error(`another gatehouse process holds ${lock}; remove it if no other process is running`);
      }
      await sleep(100);
    }
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already removed
    }
  }
}
