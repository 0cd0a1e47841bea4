/**
 * Soak: a sandbox hub (`gatehouse start` with its emulators and example apps, on PostgreSQL) under mixed
 * steady load — token fetches and itwin-browser views at fixed rates — for a minute: errors, and the hub
 * process's RSS at the start and the end of the load.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signInAtEmulator } from "../../test/helpers/browser.ts";
import { HubClient } from "../../test/helpers/hub.ts";
import { load, round } from "./load.ts";
import { freePort, spawnHub, waitFor200 } from "../../test/helpers/hubProcesses.ts";
import { row, type BenchRow } from "./rows.ts";

const TOKEN_RATE = 100;
const VIEW_RATE = 10;

export async function runSoak(options: {
  seconds: number;
  databaseUrl: string;
  log: (message: string) => void;
}): Promise<BenchRow[]> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ports = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-soak-"));
  const { child: hub } = await spawnHub({
    databaseUrl: options.databaseUrl,
    encryptionKeys: `soak:${randomBytes(32).toString("base64")}`,
    port,
    publicUrl: url,
    env: {
      GATEHOUSE_SANDBOX: "true",
      GATEHOUSE_EMULATOR_PORTS: ports.join(","),
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_APPS_DIR: "",
      GATEHOUSE_ADMIN_EMAIL: "admin@example.com",
      GATEHOUSE_ADMIN_PASSWORD: "soak-admin-password",
    },
  });
  try {
    await waitFor200(`${url}/readyz`, 90_000, hub.process, 50);
    // The sandbox seeds after listening: wait for alice to be able to sign in.
    let alice: HubClient | undefined;
    for (let i = 0; i < 100 && !alice; i++) {
      alice = await new HubClient(url).signIn("alice@example.com", "sandbox").catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    if (!alice) throw new Error(`alice cannot sign in at the sandbox hub\n${hub.stderr()}`);
    const start = await alice.fetch("GET", "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser");
    await start.body?.cancel();
    const { finalUrl } = await signInAtEmulator(start.headers.get("location")!, {
      email: "alice@example.com",
      password: "sandbox",
    });
    const done = await alice.fetch("GET", finalUrl);
    await done.body?.cancel();
    if (done.status !== 302) throw new Error(`connect answered ${done.status}`);
    const pat = (await alice.post<{ token: string }>("/api/me/tokens", { name: "soak" })).body.token;
    const headers = { authorization: `Bearer ${pat}`, "content-type": "application/json" };
    const tokenUrl = `${url}/api/apps/itwin-browser/integrations/bentley-itwin/token`;
    const viewUrl = `${url}/api/apps/itwin-browser/views/bentleyData`;
    const body = JSON.stringify({ params: {} });
    // Warm-up, so the start RSS is the hub at work, not the hub at rest.
    await Promise.all([
      load(tokenUrl, { headers, seconds: 5, connections: 4, overallRate: TOKEN_RATE }),
      load(viewUrl, { headers, method: "POST", body, seconds: 5, connections: 4, overallRate: VIEW_RATE }),
    ]);
    const rssStart = hub.rssMb();
    const samples: number[] = [rssStart];
    const sampler = setInterval(() => samples.push(hub.rssMb()), 5_000);
    const [tokens, views] = await Promise.all([
      load(tokenUrl, { headers, seconds: options.seconds, connections: 4, overallRate: TOKEN_RATE }),
      load(viewUrl, {
        headers,
        method: "POST",
        body,
        seconds: options.seconds,
        connections: 4,
        overallRate: VIEW_RATE,
      }),
    ]);
    clearInterval(sampler);
    const rssEnd = hub.rssMb();
    options.log(
      `soak tokens ${JSON.stringify(tokens)} views ${JSON.stringify(views)} rss ${samples.join(",")},${rssEnd}`,
    );
    return [
      row("soak", "seconds", options.seconds, "s"),
      row("soak", "token_requests", tokens.requests, "requests"),
      row("soak", "view_requests", views.requests, "requests"),
      row("soak", "errors", tokens.errors + tokens.non2xx + views.errors + views.non2xx, "requests", {
        target: "== 0 requests",
      }),
      row("soak", "rss_mb_end", rssEnd, "MiB", { baseline: rssStart, target: "<= 1.2 ratio" }),
      row("soak", "rss_mb_max", round(Math.max(...samples, rssEnd)), "MiB"),
    ];
  } finally {
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
