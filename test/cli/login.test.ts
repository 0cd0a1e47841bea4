// `gatehouse login` and `gatehouse token` as real processes (node bin/gatehouse.mjs) against the Bentley
// emulator: the native sign-in with sandbox-native through the emulator's real login and consent forms,
// the token cache on disk, refresh after expiry, client credentials, and the refusals. No step waits for a
// token to age: "expired" is the cache entry's expiresAt moved into the past (what the CLI goes by), and a
// token the platform refuses is one revoked at the emulator.
import { readdirSync, readFileSync, statSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import { signInAtEmulator } from "../helpers/browser.ts";
import { bentleyLoginArgs } from "../helpers/cliLogin.ts";
import { runCli, startCli } from "../helpers/cliProcess.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const ALICE = { email: "alice@example.com", password: "sandbox" };
const AUTHORIZE_URL = /(https?:\/\/\S+\/connect\/authorize\?\S+)/;

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: ["http://127.0.0.1:1/unused"] });
});
afterAll(async () => {
  await emulators?.close();
});
afterEach(() => {
  emulators.bentley.knobs.reset();
});

const bentley = () => emulators.bentley.url;
const tmp = useTempDir("gh-cli-login-");
let counter = 0;
/** A fresh, empty config dir per test. */
function freshConfigDir(): string {
  counter += 1;
  return join(tmp(), `config-${counter}`);
}

function cachedFiles(configDir: string): string[] {
  const dir = join(configDir, "tokens");
  return existsSync(dir) ? readdirSync(dir) : [];
}

const loginArgs = (...extra: string[]) => bentleyLoginArgs(bentley(), "--timeout", "60", ...extra);

/** Makes the cached sign-in expired as far as the CLI can tell, as time would. */
function expireCachedEntry(file: string): void {
  const entry = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...entry, expiresAt: Date.now() - 1000 }), { mode: 0o600 });
}

/** Revokes an access token of sandbox-native at the emulator (RFC 7009): the APIs refuse it from then on. */
async function revokeAtEmulator(token: string): Promise<void> {
  const response = await fetch(`${bentley()}/connect/revocation`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, token_type_hint: "access_token", client_id: "sandbox-native" }),
  });
  await response.body?.cancel();
  expect(response.status).toBe(200);
}

async function itwinsStatus(token: string): Promise<number> {
  const response = await fetch(`${bentley()}/itwins/`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/vnd.bentley.itwin-platform.v1+json" },
  });
  await response.body?.cancel();
  return response.status;
}

describe("gatehouse login + token with sandbox-native", () => {
  it("signs in through the browser flow, caches 0600 tokens, and token prints one the iTwins API accepts, refreshed after expiry", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
    const login = startCli(loginArgs(), { env });
    const [, authorizationUrl] = await login.waitForStderr(AUTHORIZE_URL);
    const url = new URL(authorizationUrl!);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBeTruthy();
    expect(url.searchParams.get("scope")?.split(" ")).toEqual(
      expect.arrayContaining(["itwin-platform", "offline_access"]),
    );
    const redirectUri = new URL(url.searchParams.get("redirect_uri")!);
    expect(redirectUri.hostname).toBe("localhost");
    expect(redirectUri.pathname).toBe("/signin-callback");

    const { finalUrl } = await signInAtEmulator(authorizationUrl!, ALICE);
    expect(finalUrl.startsWith(`${redirectUri.href}?`)).toBe(true);
    const page = await fetch(finalUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Signed in");
    expect(await login.exited).toBe(0);
    expect(login.stdout()).toBe("");

    // The cache: private dir and file, no secret but the tokens.
    const files = cachedFiles(env.GATEHOUSE_CONFIG_DIR);
    expect(files).toHaveLength(1);
    const file = join(env.GATEHOUSE_CONFIG_DIR, "tokens", files[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.GATEHOUSE_CONFIG_DIR, "tokens")).mode & 0o777).toBe(0o700);
    expect(statSync(env.GATEHOUSE_CONFIG_DIR).mode & 0o777).toBe(0o700);
    const cached = JSON.parse(readFileSync(file, "utf8")) as {
      refreshToken: string | null;
      accessToken: string;
    };
    expect(cached.refreshToken).toBeTruthy();

    // token: only the access token on stdout; --min-validity 0 serves the cached one as it is.
    const first = await runCli(
      ["token", "--provider", "bentley-itwin", "--client-id", "sandbox-native", "--min-validity", "0"],
      { env },
    );
    expect(first.code).toBe(0);
    const firstToken = first.stdout.trim();
    expect(first.stdout).toBe(`${firstToken}\n`);
    expect(firstToken).toBe(cached.accessToken);
    expect(await itwinsStatus(firstToken)).toBe(200);

    // Once the cached token has expired (and the platform refuses it), `token` refreshes through the cache.
    const refreshesBefore = emulators.bentley.stats().token.refresh_token.ok;
    expireCachedEntry(file);
    await revokeAtEmulator(firstToken);
    expect(await itwinsStatus(firstToken)).toBe(401);
    const second = await runCli(["token", "--min-validity", "0", "--issuer", bentley()], { env });
    expect(second.code).toBe(0);
    const secondToken = second.stdout.trim();
    expect(secondToken).not.toBe(firstToken);
    expect(emulators.bentley.stats().token.refresh_token.ok).toBe(refreshesBefore + 1);
    expect(await itwinsStatus(secondToken)).toBe(200);
    const after = JSON.parse(readFileSync(file, "utf8")) as { refreshToken: string; accessToken: string };
    expect(after.accessToken).toBe(secondToken);
    expect(after.refreshToken).toBeTruthy();
    expect(after.refreshToken).not.toBe(cached.refreshToken); // the rotated one was stored

    // --json for scripts.
    const json = await runCli(["token", "--json", "--min-validity", "0"], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ accessToken: secondToken, tokenType: "Bearer" });

    // Three scripts at once after the next expiry: one refresh (the lock), one token for all; the emulator
    // rotates refresh tokens with reuse detection, so a second refresh with the same one would fail.
    expireCachedEntry(file);
    const before = emulators.bentley.stats().token.refresh_token;
    // A slow token endpoint, so that all three find the expired token before the first refresh ends.
    emulators.bentley.knobs.set({ latency: { target: "token", ms: 1_500 } });
    const parallel = await Promise.all(
      [1, 2, 3].map(() => runCli(["token", "--min-validity", "0"], { env })),
    );
    expect(parallel.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(new Set(parallel.map((r) => r.stdout)).size).toBe(1);
    const afterStats = emulators.bentley.stats().token.refresh_token;
    expect(afterStats.ok).toBe(before.ok + 1);
    expect(afterStats.error).toBe(before.error);
  });

  it("the generic preset learns the endpoints from --issuer's discovery document", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
    const args = loginArgs("--scopes", "itwin-platform offline_access", "--json");
    args[args.indexOf("bentley-itwin")] = "generic";
    const login = startCli(args, { env });
    const [, authorizationUrl] = await login.waitForStderr(AUTHORIZE_URL);
    const { finalUrl } = await signInAtEmulator(authorizationUrl!, ALICE);
    expect((await fetch(finalUrl)).status).toBe(200);
    expect(await login.exited).toBe(0);
    expect(JSON.parse(login.stdout())).toMatchObject({
      provider: "generic",
      issuer: bentley(),
      clientId: "sandbox-native",
      refreshToken: true,
    });
    const token = await runCli(["token", "--provider", "generic", "--min-validity", "0"], { env });
    expect(token.code).toBe(0);
    expect(await itwinsStatus(token.stdout.trim())).toBe(200);
  });

  it("a callback with the wrong state gets an error page, exit 1, and nothing cached", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
    const login = startCli(loginArgs(), { env });
    const [, authorizationUrl] = await login.waitForStderr(AUTHORIZE_URL);
    const { finalUrl } = await signInAtEmulator(authorizationUrl!, ALICE);
    const forged = new URL(finalUrl);
    forged.searchParams.set("state", "forged-state");
    const page = await fetch(forged);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("Sign-in failed");
    expect(await login.exited).toBe(1);
    const lines = login.stderr().trim().split("\n");
    expect(lines.at(-1)).toMatch(/^gatehouse login: the sign-in callback did not carry the state .*\.$/);
    expect(cachedFiles(env.GATEHOUSE_CONFIG_DIR)).toEqual([]);
  });

  it("a denied consent ends the login with exit 1 and nothing cached", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
    const login = startCli(loginArgs(), { env });
    const [, authorizationUrl] = await login.waitForStderr(AUTHORIZE_URL);
    const { finalUrl } = await signInAtEmulator(authorizationUrl!, { ...ALICE, consent: false });
    const page = await fetch(finalUrl);
    expect(page.status).toBe(400);
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toMatch(/gatehouse login: the sign-in was denied at the provider/);
    expect(cachedFiles(env.GATEHOUSE_CONFIG_DIR)).toEqual([]);
  });

  it("a port in use is one clear sentence and exit 1", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
      const args = loginArgs();
      args[args.indexOf("--port") + 1] = String(port);
      const result = await runCli(args, { env });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(
        new RegExp(`^gatehouse login: port ${port} on 127.0.0.1 is already in use`),
      );
      expect(cachedFiles(env.GATEHOUSE_CONFIG_DIR)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it("times out with exit 1 when no callback comes", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
    const args = loginArgs();
    args[args.indexOf("--timeout") + 1] = "1";
    const result = await runCli(args, { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/gatehouse login: no sign-in completed within 1 s/);
    expect(cachedFiles(env.GATEHOUSE_CONFIG_DIR)).toEqual([]);
  });
});

describe("gatehouse token --grant client_credentials", () => {
  it("gets a service token with sandbox-service, caches it without the secret, and reuses it", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir(), GATEHOUSE_CLIENT_SECRET: "sandbox-service-secret" };
    const args = [
      "token",
      "--grant",
      "client_credentials",
      "--provider",
      "bentley-itwin",
      "--client-id",
      "sandbox-service",
      "--issuer",
      bentley(),
    ];
    const before = emulators.bentley.stats().token.client_credentials.ok;
    const first = await runCli(args, { env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const token = first.stdout.trim();
    expect(await itwinsStatus(token)).toBe(200);
    const second = await runCli(args, { env });
    expect(second.stdout.trim()).toBe(token);
    expect(emulators.bentley.stats().token.client_credentials.ok).toBe(before + 1);

    const files = cachedFiles(env.GATEHOUSE_CONFIG_DIR);
    expect(files).toHaveLength(1);
    const text = readFileSync(join(env.GATEHOUSE_CONFIG_DIR, "tokens", files[0]!), "utf8");
    expect(text).not.toContain("sandbox-service-secret");
  });

  it("refuses a wrong secret with exit 1, and a missing one with exit 2; nothing cached", async () => {
    const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
    const base = ["token", "--grant", "client_credentials", "--provider", "bentley-itwin"];
    const wrong = await runCli(
      [...base, "--client-id", "sandbox-service", "--issuer", bentley(), "--client-secret", "nope"],
      { env },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    const missing = await runCli([...base, "--client-id", "sandbox-service", "--issuer", bentley()], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/GATEHOUSE_CLIENT_SECRET/);
    expect(cachedFiles(env.GATEHOUSE_CONFIG_DIR)).toEqual([]);
  });
});

describe("bad input: one clear sentence, exit 1 or 2, nothing cached", () => {
  const cases: { name: string; args: () => string[]; code: number; message: RegExp }[] = [
    {
      name: "unknown provider",
      args: () => ["login", "--provider", "nope", "--client-id", "x", "--no-browser"],
      code: 2,
      message:
        /^gatehouse login: unknown provider "nope": use one of generic, bentley-itwin, autodesk-aps, seequent-evo\.$/,
    },
    {
      name: "missing client id",
      args: () => ["login", "--provider", "bentley-itwin", "--issuer", bentley(), "--no-browser"],
      code: 2,
      message: /^gatehouse login: --client-id is required/,
    },
    {
      name: "unreachable issuer",
      args: () => bentleyLoginArgs("http://127.0.0.1:9"),
      code: 1,
      message: /^gatehouse login: could not reach the authorization server at http:\/\/127\.0\.0\.1:9/,
    },
    {
      name: "plain http issuer off loopback",
      args: () => ["login", "--provider", "generic", "--client-id", "x", "--issuer", "http://example.com"],
      code: 2,
      message: /^gatehouse login: --issuer must use https/,
    },
    {
      name: "token without a sign-in",
      args: () => ["token", "--provider", "bentley-itwin", "--client-id", "sandbox-native"],
      code: 1,
      message:
        /^gatehouse token: no cached sign-in matches: run gatehouse login --provider bentley-itwin --client-id sandbox-native first\.$/,
    },
    {
      name: "unknown option",
      args: () => ["token", "--bogus"],
      code: 2,
      message: /unknown option '--bogus'/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const env = { GATEHOUSE_CONFIG_DIR: freshConfigDir() };
      const result = await runCli(c.args(), { env });
      expect(result.code).toBe(c.code);
      expect(result.stdout).toBe("");
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(c.message);
      expect(existsSync(env.GATEHOUSE_CONFIG_DIR)).toBe(false);
    });
  }

  it("every command answers --help with an example and exit 0", async () => {
    for (const command of [
      ["login"],
      ["token"],
      ["new"],
      ["dev"],
      ["keys", "rotate"],
      ["users", "add"],
      ["start"],
      ["emulate"],
    ]) {
      const result = await runCli([...command, "--help"]);
      expect(result.code, command.join(" ")).toBe(0);
      expect(result.stdout, command.join(" ")).toMatch(/Example:\n {2}\$ /);
    }
  });
});
