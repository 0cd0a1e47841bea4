/**
 * Several real hub processes (`node bin/gatehouse.mjs start`, GATEHOUSE_SANDBOX=false) on one PostgreSQL
 * database, with the same GATEHOUSE_ENCRYPTION_KEYS and GATEHOUSE_PUBLIC_URL, behind a round-robin proxy
 * (the public URL) — docs/operations.md's setup, shrunk onto 127.0.0.1. The emulators run in the test
 * process; the test process also opens the database to seed it: the bentley-itwin integration wired to the
 * Bentley emulator (assigned to itwin-browser), and alice as a hub user (password "sandbox").
 */
import { randomBytes } from "node:crypto";
import { openDatabase, type Store } from "../../src/db/index.ts";
import type { Emulators } from "../../src/emulators/index.ts";
import { AccountStore } from "../../src/hub/identity/accounts.ts";
import type { Integration } from "../../src/vault/integrationStore.ts";
import { KeyRing } from "../../src/vault/keyRing.ts";
import { signInAtEmulator } from "./browser.ts";
import { HubClient } from "./hub.ts";
import { freePort, startHub, type Child } from "./hubProcesses.ts";
import { startRoundRobinProxy, type RoundRobinProxy } from "./roundRobinProxy.ts";
import { bentleyIntegration } from "./vaultEmulator.ts";

export const CLUSTER_APP = "itwin-browser";
export const TOKEN_PATH = `/api/apps/${CLUSTER_APP}/integrations/bentley-itwin/token`;

export interface HubCluster {
  /** The proxy's URL: every hub's GATEHOUSE_PUBLIC_URL. */
  url: string;
  proxy: RoundRobinProxy;
  /** The hub processes, by slot (a restarted slot keeps its port). */
  hubs: Child[];
  store: Store;
  keysEnv: string;
  integration: Integration;
  aliceId: string;
  /** alice's personal access token. */
  pat: string;
  /** A browser-like client of the public URL, signed in as alice. */
  signIn(): Promise<HubClient>;
  /** Runs the connect flow for bentley-itwin through the proxy; returns the final status (302 when done). */
  connect(client: HubClient): Promise<number>;
  /** SIGKILL the hub in `slot`. */
  kill(slot: number): Promise<void>;
  /** Starts the hub in `slot` again (same port) and waits for /readyz. */
  restart(slot: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHubCluster(options: {
  databaseUrl: string;
  emulators: Emulators;
  hubs: number;
  env?: Record<string, string>;
}): Promise<HubCluster> {
  const keysEnv = `cluster:${randomBytes(32).toString("base64")}`;
  const keyRing = KeyRing.fromEnv(keysEnv);
  const store = await openDatabase(options.databaseUrl, { poolMax: 4 });
  const ports: number[] = [];
  for (let i = 0; i < options.hubs; i++) ports.push(await freePort());
  const hubs: Child[] = [];
  const proxy = await startRoundRobinProxy(() => ports.map((p) => `http://127.0.0.1:${p}`));
  const callback = `${proxy.url}/api/integrations/oauth2/callback/`;
  options.emulators.setWebRedirectUris([callback]);
  const start = (slot: number) =>
    startHub({
      databaseUrl: options.databaseUrl,
      encryptionKeys: keysEnv,
      port: ports[slot],
      publicUrl: proxy.url,
      env: options.env,
    });
  try {
    const integration = await bentleyIntegration(store, keyRing, options.emulators.bentley, {
      name: "bentley-itwin",
      apps: [CLUSTER_APP],
    });
    const accounts = new AccountStore(store.db);
    const alice = await accounts.createUser({
      email: "alice@example.com",
      password: "sandbox",
      role: "user",
    });
    const { token: pat } = await accounts.createPersonalAccessToken(alice.id, "cluster");
    // Started together, as an orchestrator would: migrations and keys must not trip over each other.
    hubs.push(...(await Promise.all(ports.map((_, slot) => start(slot)))));
    return {
      url: proxy.url,
      proxy,
      hubs,
      store,
      keysEnv,
      integration,
      aliceId: alice.id,
      pat,
      signIn: () => new HubClient(proxy.url).signIn("alice@example.com", "sandbox"),
      async connect(client) {
        const login = await client.fetch(
          "GET",
          `/api/integrations/oauth2/login/bentley-itwin?app=${CLUSTER_APP}`,
        );
        await login.body?.cancel();
        const location = login.headers.get("location");
        if (login.status !== 302 || !location) throw new Error(`connect did not start: ${login.status}`);
        const { finalUrl } = await signInAtEmulator(location, {
          email: "alice@example.com",
          password: "sandbox",
        });
        const done = await client.fetch("GET", finalUrl);
        await done.body?.cancel();
        return done.status;
      },
      kill: (slot) => hubs[slot]!.kill(),
      async restart(slot) {
        hubs[slot] = await start(slot);
      },
      async close() {
        await Promise.all(hubs.map((h) => h.stop()));
        await proxy.close();
        await store.close();
      },
    };
  } catch (error) {
    await Promise.all(hubs.map((h) => h.kill()));
    await proxy.close();
    await store.close();
    throw error;
  }
}
