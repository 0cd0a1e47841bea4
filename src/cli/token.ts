/**
 * `gatehouse token`: prints only a valid access token on stdout, for
 * `curl -H "Authorization: Bearer $(npx gatehouse token …)"`. Everything else goes to stderr.
 * - A user token comes from the cache `gatehouse login` filled, refreshed when it is valid for less than
 *   --min-validity seconds (the new refresh token is stored; the old one is kept when none comes back).
 * - `--grant client_credentials` with --client-secret or GATEHOUSE_CLIENT_SECRET gets a service token,
 *   cached too (the secret never is).
 * A lock file per cache entry keeps two processes from spending one single-use refresh token twice.
 */
import { join } from "node:path";
import {
  clientCredentials,
  OAuthError,
  refreshTokens,
  type OAuthClientConfig,
  type TokenSet,
} from "../oauth/index.ts";
import { getPreset, isProviderId } from "../providers/index.ts";
import { CliError, toCliError, usageError } from "./cliError.ts";
import {
  allowsInsecure,
  checkIssuer,
  OUTBOUND_TIMEOUT_MS,
  parseScopes,
  presetIds,
  requestedScopes,
  resolveClient,
  type ClientFlags,
} from "./clientConfig.ts";
import {
  cacheEntry,
  cacheFileName,
  listEntries,
  readEntry,
  prepareCacheDir,
  withFileLock,
  writeEntry,
  type CachedTokens,
} from "./tokenCache.ts";

export interface TokenFlags extends ClientFlags {
  minValidity?: string;
  grant?: string;
  clientSecret?: string;
  json?: boolean;
}

export interface TokenIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

function parseMinValidity(value: string | undefined): number {
  if (value === undefined) return 60;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n > 86_400) {
    throw usageError(`--min-validity must be a number of seconds from 0 to 86400 (got "${value}")`);
  }
  return n;
}

/** The `gatehouse login …` line that would fill the cache for these flags. */
function loginHint(flags: TokenFlags): string {
  const parts = [
    "gatehouse login",
    `--provider ${flags.provider ?? "<preset>"}`,
    `--client-id ${flags.clientId ?? "<id>"}`,
  ];
  if (flags.issuer) parts.push(`--issuer ${flags.issuer}`);
  if (flags.scopes) parts.push(`--scopes "${flags.scopes}"`);
  return parts.join(" ");
}

/** The `--issuer` a new sign-in needs to reach the same server: none when it is the preset's own. */
function issuerFlagOf(entry: CachedTokens): string | undefined {
  const presetIssuer = isProviderId(entry.provider) ? getPreset(entry.provider).defaults.issuer : "";
  return trimSlash(entry.issuer) === trimSlash(presetIssuer) ? undefined : entry.issuer;
}

function oauthConfigOf(entry: CachedTokens, clientSecret: string | null = null): OAuthClientConfig {
  return {
    issuer: entry.issuer,
    authorizationUrl: entry.authorizationUrl,
    tokenUrl: entry.tokenUrl,
    revocationUrl: entry.revocationUrl,
    clientId: entry.clientId,
    clientSecret,
    tokenEndpointAuthMethod: entry.tokenEndpointAuthMethod,
    timeoutMs: OUTBOUND_TIMEOUT_MS,
    allowInsecureHttp: allowsInsecure(entry.issuer, entry.tokenUrl, entry.authorizationUrl),
  };
}

const validFor = (entry: CachedTokens, seconds: number, now = Date.now()): boolean =>
  entry.accessToken !== "" && entry.expiresAt - now >= seconds * 1000;

function withTokens(entry: CachedTokens, tokens: TokenSet): CachedTokens {
  return {
    ...entry,
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    refreshToken: tokens.refreshToken ?? entry.refreshToken,
    expiresAt: tokens.expiresAt,
    grantedScopes: tokens.scopes,
    savedAt: Date.now(),
  };
}

function print(entry: CachedTokens, flags: TokenFlags, io: TokenIo, minValidity: number): number {
  const seconds = Math.floor((entry.expiresAt - Date.now()) / 1000);
  if (seconds < minValidity) {
    io.err.write(`gatehouse token: note: the provider issued a token valid for only ${seconds} s.\n`);
  }
  if (flags.json) {
    io.out.write(
      `${JSON.stringify({
        accessToken: entry.accessToken,
        tokenType: entry.tokenType,
        expiresAt: new Date(entry.expiresAt).toISOString(),
        scopes: entry.grantedScopes,
      })}\n`,
    );
  } else {
    io.out.write(`${entry.accessToken}\n`);
  }
  return 0;
}

/** The one cached sign-in the flags point at. Without flags, the only one there is. */
function findSignIn(flags: TokenFlags, io: TokenIo): { file: string; entry: CachedTokens } {
  if (flags.provider !== undefined && !isProviderId(flags.provider)) {
    throw usageError(`unknown provider "${flags.provider}": use one of ${presetIds()}`);
  }
  if (flags.clientId !== undefined && flags.clientId.trim() === "")
    throw usageError("--client-id must not be empty");
  const issuer = flags.issuer === undefined ? undefined : checkIssuer(flags.issuer);
  const scopes =
    flags.scopes === undefined
      ? undefined
      : flags.provider !== undefined
        ? requestedScopes(getPreset(flags.provider), flags.scopes, "authorization_code").sort()
        : (parseScopes(flags.scopes) ?? []).sort();
  const matches = listEntries(io.env).filter(
    ({ entry }) =>
      entry.grant === "authorization_code" &&
      (flags.provider === undefined || entry.provider === flags.provider) &&
      (flags.clientId === undefined || entry.clientId === flags.clientId.trim()) &&
      (issuer === undefined || trimSlash(entry.issuer) === issuer) &&
      (scopes === undefined || JSON.stringify(entry.scopes) === JSON.stringify(scopes)),
  );
  if (matches.length === 0) {
    throw new CliError(`no cached sign-in matches: run ${loginHint(flags)} first`, 1, "login_required");
  }
  if (matches.length > 1) {
    throw usageError(
      `${matches.length} cached sign-ins match: pick one with --provider, --client-id, --issuer or --scopes`,
    );
  }
  return matches[0]!;
}

async function userToken(flags: TokenFlags, io: TokenIo, minValidity: number): Promise<number> {
  const found = findSignIn(flags, io);
  const hint = loginHint({
    ...flags,
    provider: flags.provider ?? found.entry.provider,
    clientId: flags.clientId ?? found.entry.clientId,
    issuer: flags.issuer ?? issuerFlagOf(found.entry),
  });
  const entry = await withFileLock(found.file, async () => {
    const current = readEntry(found.file);
    if (!current) throw new CliError(`the cached sign-in disappeared: run ${hint}`, 1, "login_required");
    if (validFor(current, minValidity)) return current;
    if (!current.refreshToken) {
      throw new CliError(
        `the cached access token has expired and there is no refresh token: run ${hint}`,
        1,
        "login_required",
      );
    }
    let tokens: TokenSet;
    try {
      tokens = await refreshTokens(oauthConfigOf(current), current.refreshToken, {
        fallbackScopes: current.grantedScopes,
      });
    } catch (err) {
      // The provider no longer honours this sign-in (expired, revoked, or a provider that forgot it):
      // the cached tokens are of no use, and only a new sign-in helps.
      if (err instanceof OAuthError && err.code === "invalid_grant") {
        throw new CliError(
          `the provider refused to renew the cached sign-in (it expired or was revoked): sign in again with ${hint}`,
          1,
          "login_required",
        );
      }
      throw toCliError(err, { server: current.tokenUrl });
    }
    const refreshed = withTokens(current, tokens);
    writeEntry(io.env, refreshed);
    return refreshed;
  });
  return print(entry, flags, io, minValidity);
}

async function serviceToken(flags: TokenFlags, io: TokenIo, minValidity: number): Promise<number> {
  const secret = flags.clientSecret ?? io.env.GATEHOUSE_CLIENT_SECRET;
  if (!secret) {
    throw usageError(
      "--grant client_credentials needs the client secret in GATEHOUSE_CLIENT_SECRET (or --client-secret)",
    );
  }
  const client = await resolveClient(flags, "client_credentials", "token", secret);
  const key = {
    grant: "client_credentials" as const,
    issuer: client.issuer,
    clientId: client.oauth.clientId,
    scopes: client.scopes,
  };
  const file = join(prepareCacheDir(io.env), cacheFileName(key));
  const entry = await withFileLock(file, async () => {
    const cached = readEntry(file);
    if (cached && validFor(cached, minValidity)) return cached;
    let tokens: TokenSet;
    try {
      tokens = await clientCredentials(client.oauth, { scopes: client.scopes });
    } catch (err) {
      throw toCliError(err, { server: client.oauth.tokenUrl });
    }
    // A client-credentials entry never keeps a refresh token (RFC 6749 4.4.3: none should be issued).
    const fresh: CachedTokens = { ...cacheEntry("client_credentials", client, tokens), refreshToken: null };
    writeEntry(io.env, fresh);
    return fresh;
  });
  return print(entry, flags, io, minValidity);
}

export async function token(flags: TokenFlags, io: TokenIo): Promise<number> {
  const minValidity = parseMinValidity(flags.minValidity);
  const grant = flags.grant ?? "authorization_code";
  if (grant === "client_credentials") return serviceToken(flags, io, minValidity);
  if (grant !== "authorization_code") {
    throw usageError(
      `--grant must be authorization_code (a signed-in user) or client_credentials (got "${grant}")`,
    );
  }
  if (flags.clientSecret !== undefined) {
    throw usageError("--client-secret is only for --grant client_credentials");
  }
  return userToken(flags, io, minValidity);
}
