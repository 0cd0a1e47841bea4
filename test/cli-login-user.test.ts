// After `gatehouse login` the CLI names the signed-in user — from the ID token, the userinfo endpoint or
// the access token, whichever the provider fills — not the client. Real processes against the emulators,
// signing in through their real forms.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../src/emulators/index.ts";
import { signInAtEmulator } from "./helpers/browser.ts";
import { startCli } from "./helpers/cliProcess.ts";
import { useTempDir } from "./helpers/tempDir.ts";

const ALICE = { email: "alice@example.com", password: "sandbox" };
const CAROL = { email: "carol@example.com", password: "sandbox" };
const AUTHORIZE_URL = /(https?:\/\/\S+\/(?:connect|authentication\/v2)\/authorize\?\S+)/;

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

/** Runs `gatehouse login --json` through the emulator's sign-in as `who`; returns the summary and stderr. */
async function login(provider: string, issuer: string, who: typeof ALICE, ...extra: string[]) {
  const env = { GATEHOUSE_CONFIG_DIR: configDir() };
  const run = startCli(
    [
      "login",
      "--provider",
      provider,
      "--client-id",
      "sandbox-native",
      "--issuer",
      issuer,
      "--port",
      "0",
      "--no-browser",
      "--timeout",
      "60",
      "--json",
      ...extra,
    ],
    { env },
  );
  const [, authorizationUrl] = await run.waitForStderr(AUTHORIZE_URL);
  const { finalUrl } = await signInAtEmulator(authorizationUrl!, who);
  expect((await fetch(finalUrl)).status).toBe(200);
  expect(await run.exited).toBe(0);
  const summary = JSON.parse(run.stdout()) as {
    clientId: string;
    user: { subject: string | null; email: string | null; name: string | null };
  };
  const said = run.stderr().trim().split("\n").at(-1)!;
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
      "--scopes",
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
