// The sandbox hub stopped and started again as a real process (`gatehouse start`, as `npm start` runs it)
// on the same data directory and ports forgets nothing (issue 11, "Done when"):
// - alice's connections, made through the emulators' real forms, stay connected and her views run
//   without reconnecting (no authorization-code grant after the restart);
// - a CLI token cached before the restart is still accepted by the emulator's API, and still refreshes;
// - an access token and a refresh token revoked before the restart stay refused;
// - a connection whose access token was issued short-lived before the restart (the lifetime knob) is
//   refreshed, once that token has expired, with the refresh token issued before the restart.
// Knobs are runtime controls, not state: after the restart the lifetime is the platform's 3600 s again.
// Nothing here sleeps a fixed time: the test waits on conditions (the emulator refusing the expired token).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliLogin } from "../helpers/cliLogin.ts";
import { runCli } from "../helpers/cliProcess.ts";
import {
  BENTLEY_PATHS,
  SERVICE_CLIENT,
  postForm,
  revokeAt,
  serviceToken,
  statusWithBearer,
} from "../helpers/emulatorOAuth.ts";
import { connectAccount, HubClient } from "../helpers/hub.ts";
import { freePort, startSandboxHub, type SandboxHub } from "../helpers/hubProcesses.ts";
import { useTempDir } from "../helpers/tempDir.ts";
import { waitUntil } from "../helpers/waitUntil.ts";

const ALICE = "alice@example.com";
const ITWINS_ACCEPT = { accept: "application/vnd.bentley.itwin-platform.v1+json" };
const SHORT_LIFETIME_SECONDS = 5;

interface Connection {
  integration: string;
  status: string;
  expiresAt: string;
  lastRefreshedAt: string | null;
}
interface AppToken {
  accessToken: string;
  expiresAt: string;
}
interface Stats {
  token: Record<"authorization_code" | "refresh_token" | "client_credentials", { ok: number; error: number }>;
}

const tmp = useTempDir("gh-sandbox-restart-");
let options: Parameters<typeof startSandboxHub>[0];
let hub: SandboxHub | null = null;

beforeAll(async () => {
  options = { dataDir: join(tmp(), "data"), ...(await freePorts()) };
});

/** Four ports free a moment ago (the restart needs fixed ones, so port 0 will not do). */
async function freePorts(): Promise<Pick<typeof options, "port" | "emulatorPorts">> {
  return { port: await freePort(), emulatorPorts: [await freePort(), await freePort(), await freePort()] };
}

/**
 * The first start, on ports that were free when probed: another process on the machine can take one
 * before the hub binds it, so a start refused with EADDRINUSE tries again on fresh ones (the data
 * directory is still empty then).
 */
async function firstStart(): Promise<SandboxHub> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSandboxHub(options);
    } catch (error) {
      if (attempt === 3 || !/EADDRINUSE/.test((error as Error).message)) throw error;
      options = { ...options, ...(await freePorts()) };
    }
  }
}
afterAll(async () => {
  await hub?.stop();
});

async function emulatorCall<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status, `${method} /_emulator/${path}`).toBe(200);
  return (await response.json()) as T;
}

const bentleyStats = () => emulatorCall<Stats>(hub!.bentley, "GET", "stats");

async function connections(alice: HubClient): Promise<Map<string, Connection>> {
  const answer = await alice.get<Connection[]>("/api/me/connections");
  expect(answer.status).toBe(200);
  return new Map(answer.body.map((c) => [c.integration, c]));
}

async function runView(alice: HubClient, app: string, view: string) {
  const answer = await alice.post<{ type: string }>(`/api/apps/${app}/views/${view}`, { params: {} });
  expect(answer.status, `${app}/${view}: ${answer.text}`).toBe(200);
  return answer.body;
}

async function appToken(alice: HubClient, app: string, integration: string): Promise<AppToken> {
  const answer = await alice.get<AppToken>(
    `/api/apps/${app}/integrations/${integration}/token?minValidity=0`,
  );
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

describe("the sandbox hub restarted on the same data directory and ports", () => {
  it(
    "keeps connections, cached CLI tokens and revocations, and refreshes with pre-restart refresh tokens",
    { timeout: 240_000 },
    async () => {
      const cliConfig = join(tmp(), "cli");
      const revokedCliConfig = join(tmp(), "cli-revoked");
      let before: {
        cliToken: string;
        revokedAccess: string;
        evoToken: AppToken;
        connections: Map<string, Connection>;
      };

      // ---- first run ----
      hub = await firstStart();
      {
        const alice = await new HubClient(hub.url).signIn(ALICE, "sandbox");
        for (const [integration, app] of [
          ["bentley-itwin", "itwin-browser"],
          ["autodesk-aps", "acc-hubs"],
        ] as const) {
          const done = await connectAccount(alice, integration, ALICE, { app });
          expect(done.status, integration).toBe(302);
        }
        expect((await runView(alice, "itwin-browser", "bentleyData")).type).toBe("data");

        // A CLI sign-in whose token stays cached across the restart, and one whose refresh token is revoked.
        await cliLogin({
          provider: "bentley-itwin",
          issuer: hub.bentley,
          configDir: cliConfig,
          email: ALICE,
        });
        const cached = await runCli(["token"], { env: { GATEHOUSE_CONFIG_DIR: cliConfig } });
        expect(cached.code).toBe(0);
        expect(await statusWithBearer(`${hub.bentley}/itwins/`, cached.stdout.trim(), ITWINS_ACCEPT)).toBe(
          200,
        );
        await cliLogin({
          provider: "bentley-itwin",
          issuer: hub.bentley,
          configDir: revokedCliConfig,
          email: ALICE,
        });
        const [file] = readdirSync(join(revokedCliConfig, "tokens")).filter((f) => f.endsWith(".json"));
        const { refreshToken } = JSON.parse(
          readFileSync(join(revokedCliConfig, "tokens", file!), "utf8"),
        ) as {
          refreshToken: string;
        };
        const revokedRefresh = await postForm(`${hub.bentley}${BENTLEY_PATHS.revoke}`, {
          token: refreshToken,
          client_id: "sandbox-native",
        });
        expect(revokedRefresh.status).toBe(200);

        // Another access token, revoked before the restart.
        const revokedAccess = (await serviceToken(hub.bentley, BENTLEY_PATHS, "itwin-platform")).access_token;
        expect(await revokeAt(hub.bentley, BENTLEY_PATHS, revokedAccess, SERVICE_CLIENT)).toBe(200);
        expect(await statusWithBearer(`${hub.bentley}/itwins/`, revokedAccess, ITWINS_ACCEPT)).toBe(401);

        // The Evo connection gets short-lived tokens: they will have expired when the hub next needs one.
        await emulatorCall(hub.bentley, "PATCH", "knobs", {
          accessTokenLifetimeSeconds: SHORT_LIFETIME_SECONDS,
        });
        expect((await connectAccount(alice, "seequent-evo", ALICE, { app: "evo-workspaces" })).status).toBe(
          302,
        );
        const evoToken = await appToken(alice, "evo-workspaces", "seequent-evo");
        expect(Date.parse(evoToken.expiresAt) - Date.now()).toBeLessThanOrEqual(
          SHORT_LIFETIME_SECONDS * 1000,
        );

        before = {
          cliToken: cached.stdout.trim(),
          revokedAccess,
          evoToken,
          connections: await connections(alice),
        };
        expect([...before.connections.values()].map((c) => [c.integration, c.status]).sort()).toEqual([
          ["autodesk-aps", "connected"],
          ["bentley-itwin", "connected"],
          ["seequent-evo", "connected"],
        ]);
      }

      // ---- stop, start again: same data directory, same ports ----
      await hub.stop();
      hub = null;
      hub = await startSandboxHub(options);
      const bentley = hub.bentley;
      const alice = await new HubClient(hub.url).signIn(ALICE, "sandbox");

      // Connections stay connected; views run on the tokens from before (no new sign-in, no refresh).
      const after = await connections(alice);
      for (const [name, connection] of before.connections) {
        expect(after.get(name), name).toEqual(connection);
      }
      expect((await runView(alice, "itwin-browser", "bentleyData")).type).toBe("data");
      expect((await runView(alice, "acc-hubs", "hubs")).type).toBe("table");
      expect((await bentleyStats()).token.refresh_token).toEqual({ ok: 0, error: 0 });

      // The CLI token cached before the restart is printed as it is and accepted by the emulator's API.
      const cached = await runCli(["token", "--min-validity", "0"], {
        env: { GATEHOUSE_CONFIG_DIR: cliConfig },
      });
      expect(cached.code).toBe(0);
      expect(cached.stdout.trim()).toBe(before.cliToken);
      expect(await statusWithBearer(`${bentley}/itwins/`, before.cliToken, ITWINS_ACCEPT)).toBe(200);
      // What was revoked before the restart stays refused.
      expect(await statusWithBearer(`${bentley}/itwins/`, before.revokedAccess, ITWINS_ACCEPT)).toBe(401);
      const refused = await runCli(["token", "--min-validity", "7200"], {
        env: { GATEHOUSE_CONFIG_DIR: revokedCliConfig },
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /refused to renew the cached sign-in .*: sign in again with gatehouse login/,
      );
      // The CLI's pre-restart refresh token still refreshes (a margin longer than the token forces it).
      const renewed = await runCli(["token", "--min-validity", "7200"], {
        env: { GATEHOUSE_CONFIG_DIR: cliConfig },
      });
      expect(renewed.code, renewed.stderr).toBe(0);
      expect(renewed.stdout.trim()).not.toBe(before.cliToken);
      expect(await statusWithBearer(`${bentley}/itwins/`, renewed.stdout.trim(), ITWINS_ACCEPT)).toBe(200);

      // Once the Evo access token from before the restart has expired (the emulator says so), the hub
      // refreshes it with the refresh token issued before the restart, and the view runs.
      const evoDiscovery = `${hub.seequent}/evo/identity/v2/discovery?service=evo`;
      // Each round is a real request; the hub runs in its own process, so its clock cannot be moved.
      await waitUntil(
        "the pre-restart Evo token has expired",
        async () => (await statusWithBearer(evoDiscovery, before.evoToken.accessToken)) === 401,
        { intervalMs: 100 },
      );
      const refreshesBefore = (await bentleyStats()).token.refresh_token;
      expect((await runView(alice, "evo-workspaces", "workspaces")).type).toBe("table");
      const stats = await bentleyStats();
      expect(stats.token.refresh_token).toEqual({ ok: refreshesBefore.ok + 1, error: refreshesBefore.error });
      expect(stats.token.authorization_code).toEqual({ ok: 0, error: 0 });
      const last = await connections(alice);
      for (const name of before.connections.keys()) expect(last.get(name)?.status, name).toBe("connected");
      const evoAfter = last.get("seequent-evo")!;
      expect(evoAfter.lastRefreshedAt).not.toBeNull();
      const fresh = await appToken(alice, "evo-workspaces", "seequent-evo");
      expect(fresh.accessToken).not.toBe(before.evoToken.accessToken);
      expect(await statusWithBearer(evoDiscovery, fresh.accessToken)).toBe(200);
      // The knob did not survive the restart: the new token has the platform's hour.
      expect(Date.parse(fresh.expiresAt) - Date.now()).toBeGreaterThan(3000 * 1000);
    },
  );
});
