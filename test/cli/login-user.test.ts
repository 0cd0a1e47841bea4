// After `gatehouse login` the CLI names the signed-in user — from the ID token, the userinfo endpoint or
// the access token, whichever the provider fills — not the client; and `gatehouse token` says to sign in
// again when the provider refuses to renew the cached sign-in. Real processes against the emulators,
// signing in through their real forms.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import { cliLogin } from "../helpers/cliLogin.ts";
import { runCli } from "../helpers/cliProcess.ts";
import { postForm } from "../helpers/emulatorOAuth.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const ALICE = "alice@example.com";
const CAROL = "carol@example.com";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators({ ports: [0, 0, 0] });
});
afterAll(async () => {
  await emulators?.close();
});

const tmp = useTempDir("gh-cli-login-user-");
let counter = 0;
const configDir = () => join(tmp(), `config-${++counter}`);

/** `gatehouse login --json` through the emulator's sign-in as `email`; the summary and what it said. */
async function login(provider: string, issuer: string, email: string, scopes?: string) {
  const { stdout, said } = await cliLogin({
    provider,
    issuer,
    email,
    scopes,
    configDir: configDir(),
    json: true,
  });
  const summary = JSON.parse(stdout) as {
    clientId: string;
    user: { subject: string | null; email: string | null; name: string | null };
  };
  return { summary, said };
}

describe("gatehouse login names the signed-in user", () => {
  it("Bentley without openid: from the access token's identity claims (userinfo wants openid)", async () => {
    const { summary, said } = await login("bentley-itwin", emulators.bentley.url, ALICE);
    expect(summary.user).toEqual({
      subject: "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e01",
      email: "alice@example.com",
      name: "Alice Anders",
    });
    expect(said).toMatch(
      new RegExp(
        `^Signed in to ${emulators.bentley.url} as alice@example\\.com \\(Alice Anders\\) with the client sandbox-native; the access token is valid until `,
      ),
    );
    expect(said).not.toMatch(/as sandbox-native/);
  });

  it("Bentley with openid profile email: the ID token names only sub, userinfo the rest", async () => {
    const { summary, said } = await login(
      "bentley-itwin",
      emulators.bentley.url,
      CAROL,
      "openid profile email itwin-platform",
    );
    expect(summary.user).toEqual({
      subject: "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e03",
      email: "carol@example.com",
      name: "Carol Castro",
    });
    expect(said).toContain("as carol@example.com (Carol Castro)");
  });

  it("Autodesk: from the userinfo endpoint its discovery document names", async () => {
    const discovery = (await (
      await fetch(`${emulators.autodesk.url}/.well-known/openid-configuration`)
    ).json()) as { userinfo_endpoint: string };
    expect(discovery.userinfo_endpoint).toBe(`${emulators.autodesk.url}/userinfo`);
    const { summary, said } = await login("autodesk-aps", emulators.autodesk.url, ALICE);
    expect(summary.user).toMatchObject({ email: "alice@example.com", name: "Alice Anders" });
    expect(said).toContain("as alice@example.com (Alice Anders) with the client sandbox-native");
  });
});

describe("gatehouse token when the provider refuses to renew the cached sign-in", () => {
  it("says to sign in again, naming the gatehouse login line, and prints no token", async () => {
    const dir = configDir();
    await cliLogin({
      provider: "bentley-itwin",
      issuer: emulators.bentley.url,
      email: ALICE,
      configDir: dir,
    });
    const [file] = readdirSync(join(dir, "tokens")).filter((f) => f.endsWith(".json"));
    const cached = JSON.parse(readFileSync(join(dir, "tokens", file!), "utf8")) as { refreshToken: string };
    // The user revokes the app's access at the provider (RFC 7009, as the public client it is).
    const revoked = await postForm(`${emulators.bentley.url}/connect/revocation`, {
      token: cached.refreshToken,
      client_id: "sandbox-native",
    });
    expect(revoked.status).toBe(200);
    // A margin longer than the cached token's life forces a refresh.
    const result = await runCli(["token", "--min-validity", "7200"], { env: { GATEHOUSE_CONFIG_DIR: dir } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe(
      `gatehouse token: the provider refused to renew the cached sign-in (it expired or was revoked): sign in again with gatehouse login --provider bentley-itwin --client-id sandbox-native --issuer ${emulators.bentley.url}.`,
    );
  });
});
