// Refresh storms against the Bentley IMS emulator (refresh-token rotation and reuse detection on, as by
// default): many concurrent token requests on one expired connection must cause exactly one refresh at the
// emulator — in one process, and across three hub processes sharing one database — and no round may lose
// the connection. Rounds: GATEHOUSE_STORM_ROUNDS (default 10; the 100 is a manual run).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import type { Integration } from "../../src/vault/integrationStore.ts";
import { KeyRing } from "../../src/vault/keyRing.ts";
import { TokenService, type RefreshOutcome } from "../../src/vault/tokenService.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { bentleyIntegration, connectAlice, VAULT_REDIRECT_URI } from "../helpers/vaultEmulator.ts";
import type { StormRoundResult } from "../helpers/vaultStormWorker.ts";
import { createUser, oauthConfigFor } from "../helpers/vaultFixtures.ts";

const ROUNDS = Number(process.env.GATEHOUSE_STORM_ROUNDS ?? "10");
const PROCESSES = 3;
const REQUESTS = 500;
const WORKER = fileURLToPath(new URL("../helpers/vaultStormWorker.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: [VAULT_REDIRECT_URI] });
});
afterAll(async () => {
  await emulators?.close();
});

/** A storm worker process and the lines it printed, awaited one at a time. */
class Worker {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private stderr = "";

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve(line);
      } else this.lines.push(line);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
  }

  nextLine(timeoutMs = 60_000): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker silent; stderr: ${this.stderr}`)), timeoutMs);
      this.waiting = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.send("exit");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

forEachDatabase("refresh storm", (getStore, target) => {
  const keysEnv = `storm1:${randomBytes(32).toString("base64")}`;
  const keyRing = KeyRing.fromEnv(keysEnv);
  let integration: Integration;
  let userId: string;
  let service: TokenService;
  let outcomes: RefreshOutcome[] = [];

  async function expireConnection(): Promise<void> {
    await getStore()
      .db.updateTable("connections")
      .set({ expires_at: Date.now() - 1_000 })
      .where("integration_id", "=", integration.id)
      .where("user_id", "=", userId)
      .execute();
  }

  async function connectionStatus(): Promise<string> {
    const row = await getStore()
      .db.selectFrom("connections")
      .select("status")
      .where("integration_id", "=", integration.id)
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    return row.status;
  }

  beforeAll(async () => {
    emulators.bentley.knobs.reset();
    integration = await bentleyIntegration(getStore(), keyRing, emulators.bentley);
    userId = await createUser(getStore());
    service = new TokenService({
      store: getStore(),
      keyRing,
      oauthConfigFor,
      metrics: { refreshes: (outcome) => outcomes.push(outcome) },
    });
    await connectAlice(service, integration, userId);
  });

  it(`${REQUESTS} concurrent requests in one process cause one refresh`, async () => {
    await expireConnection();
    emulators.bentley.resetStats();
    outcomes = [];
    const results = await Promise.allSettled(
      Array.from({ length: REQUESTS }, () => service.getUserToken(integration, userId)),
    );
    const failed = results.filter((r) => r.status === "rejected");
    expect(failed).toEqual([]);
    const tokens = new Set(results.map((r) => (r.status === "fulfilled" ? r.value.accessToken : "")));
    expect(tokens.size).toBe(1);
    expect(emulators.bentley.stats().token.refresh_token).toEqual({ ok: 1, error: 0 });
    expect(outcomes.filter((o) => o === "success")).toHaveLength(1);
    expect(await connectionStatus()).toBe("connected");
  });

  describe(`across ${PROCESSES} processes`, () => {
    const workers: Worker[] = [];

    beforeAll(async () => {
      const shares = Array.from(
        { length: PROCESSES },
        (_, i) => Math.floor(REQUESTS / PROCESSES) + (i < REQUESTS % PROCESSES ? 1 : 0),
      );
      for (const share of shares) {
        const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            STORM_DB_URL: target.url,
            STORM_KEYS: keysEnv,
            STORM_INTEGRATION: integration.name,
            STORM_USER: userId,
            STORM_CONCURRENCY: String(share),
          },
          stdio: ["pipe", "pipe", "pipe"],
        });
        workers.push(new Worker(child));
      }
      for (const worker of workers) expect(await worker.nextLine(90_000)).toBe("ready");
    }, 120_000);

    afterAll(async () => {
      await Promise.all(workers.map((w) => w.stop()));
    });

    it(`${ROUNDS} rounds of ${REQUESTS} requests: one refresh each, every request served, no connection lost`, async () => {
      const refreshCounts: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        await expireConnection();
        emulators.bentley.resetStats();
        for (const worker of workers) worker.send(`go ${round}`);
        const results = (await Promise.all(workers.map((w) => w.nextLine()))).map(
          (line) => JSON.parse(line) as StormRoundResult,
        );
        const stats = emulators.bentley.stats().token.refresh_token;
        refreshCounts.push(stats.ok + stats.error);
        const context = `round ${round}: ${JSON.stringify({ results, stats })}`;
        expect(
          results.map((r) => r.errors),
          context,
        ).toEqual(workers.map(() => ({})));
        expect(
          results.reduce((n, r) => n + r.ok, 0),
          context,
        ).toBe(REQUESTS);
        expect(new Set(results.flatMap((r) => r.tokenHashes)).size, context).toBe(1);
        expect(
          results.reduce((n, r) => n + r.refreshesHere, 0),
          context,
        ).toBe(1);
        expect(stats, context).toEqual({ ok: 1, error: 0 });
        expect(await connectionStatus(), context).toBe("connected");
      }
      console.log(
        `[refresh storm ${target.dialect}] ${ROUNDS} rounds x ${REQUESTS} requests over ${PROCESSES} processes: ` +
          `refresh calls per round = ${JSON.stringify([...new Set(refreshCounts)])}`,
      );
      // The connection still works after all that rotation: the token is accepted by the iTwins API.
      const { accessToken } = await service.getUserToken(integration, userId);
      const response = await fetch(`${emulators.bentley.url}/itwins/`, {
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: "application/vnd.bentley.itwin-platform.v1+json",
        },
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status).toBe(200);
    }, 600_000);
  });
});
