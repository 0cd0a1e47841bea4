/**
 * `gatehouse login` as a real process, signed in through the emulator's real sign-in and consent pages:
 * waits for the authorization URL on stderr, plays the browser there, delivers the callback to the CLI's
 * loopback server and waits for the process to end.
 */
import { expect } from "vitest";
import { signInAtEmulator } from "./browser.ts";
import { startCli } from "./cliProcess.ts";

const AUTHORIZE_URL = /(https?:\/\/\S+\/(?:connect|authentication\/v2)\/authorize\?\S+)/;

/** `gatehouse login` as the sandbox's native Bentley client at `issuer`, on a free port, opening no browser. */
export const bentleyLoginArgs = (issuer: string, ...extra: string[]): string[] => [
  "login",
  "--provider",
  "bentley-itwin",
  "--client-id",
  "sandbox-native",
  "--issuer",
  issuer,
  "--port",
  "0",
  "--no-browser",
  ...extra,
];

export interface CliLoginOptions {
  provider: string;
  /** The emulator's base URL (`--issuer`). */
  issuer: string;
  /** GATEHOUSE_CONFIG_DIR: where the CLI caches the tokens. */
  configDir: string;
  email: string;
  clientId?: string;
  scopes?: string;
  json?: boolean;
}

export interface CliLoginResult {
  /** The authorization request the CLI sent the browser to. */
  authorizationUrl: URL;
  stdout: string;
  stderr: string;
  /** The CLI's last line on stderr (what it says about the sign-in). */
  said: string;
}

/** Runs the whole sign-in; fails the test unless the CLI says so and exits 0. */
export async function cliLogin(options: CliLoginOptions): Promise<CliLoginResult> {
  const args = [
    "login",
    "--provider",
    options.provider,
    "--client-id",
    options.clientId ?? "sandbox-native",
    "--issuer",
    options.issuer,
    "--port",
    "0",
    "--no-browser",
    "--timeout",
    "60",
    ...(options.scopes ? ["--scopes", options.scopes] : []),
    ...(options.json ? ["--json"] : []),
  ];
  const run = startCli(args, { env: { GATEHOUSE_CONFIG_DIR: options.configDir } });
  const [, url] = await run.waitForStderr(AUTHORIZE_URL);
  const { finalUrl } = await signInAtEmulator(url!, { email: options.email, password: "sandbox" });
  const page = await fetch(finalUrl);
  expect(await page.text()).toContain("Signed in");
  expect(await run.exited, run.stderr()).toBe(0);
  return {
    authorizationUrl: new URL(url!),
    stdout: run.stdout(),
    stderr: run.stderr(),
    said: run.stderr().trim().split("\n").at(-1)!,
  };
}
