import { forcedRenewal, validFor, type RenewalRule } from "./renewal.ts";
import type { VaultStore } from "./storage.ts";
import { sleep } from "./retry.ts";
import type { TokenService } from "./tokenService.ts";
import type { VaultLogger } from "./upstream.ts";

export interface BackgroundRefresherOptions {
  tokenService: TokenService;
  store: VaultStore;
  /** Pause between passes. Default 30 s. */
  intervalMs?: number;
  /** Refresh connections whose access token expires within this many seconds. Default 300. */
  refreshAheadSeconds?: number;
  /** Refreshes started per integration per second, so one pass never floods a provider. Default 5. */
  maxPerIntegrationPerSecond?: number;
  /** Connections looked at per pass (soonest expiry first). Default 100. */
  batchSize?: number;
  /**
   * Also refresh connections not refreshed (or connected) for this many seconds, so that refresh tokens
   * with a sliding expiry stay alive for users who rarely come back. Off by default.
   */
  idleRefreshAfterSeconds?: number;
  /** Refreshes running at once, all integrations together (each may hold a database connection). Default 4. */
  maxConcurrent?: number;
  logger?: VaultLogger;
  now?: () => number;
}

export interface RefresherPass {
  examined: number;
  refreshed: number;
  fresh: number;
  failed: number;
}

export interface BackgroundRefresher {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
  /** Runs one pass now (tests, and `stop`-safe: it is skipped once stopped). */
  runOnce(): Promise<RefresherPass>;
}

/**
 * Refreshes connections shortly before they expire, so token requests rarely wait for the provider. Each
 * refresh goes through TokenService and so through the refresh coordinator: several hub processes running
 * this at once still refresh each connection once. Off unless started.
 */
export function startBackgroundRefresher(options: BackgroundRefresherOptions): BackgroundRefresher {
  const intervalMs = options.intervalMs ?? 30_000;
  const aheadSeconds = options.refreshAheadSeconds ?? 300;
  const perSecond = Math.max(0.001, options.maxPerIntegrationPerSecond ?? 5);
  const batchSize = options.batchSize ?? 100;
  const idleMs =
    options.idleRefreshAfterSeconds === undefined ? null : options.idleRefreshAfterSeconds * 1000;
  const slots = new Slots(Math.max(1, options.maxConcurrent ?? 4));
  const now = options.now ?? Date.now;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<RefresherPass> | undefined;

  async function pass(): Promise<RefresherPass> {
    const at = now();
    const candidates = () =>
      options.store.db
        .selectFrom("connections")
        .select(["id", "integration_id", "version"])
        .where("status", "=", "connected")
        .where("refresh_token_enc", "is not", null)
        // Rows another process is refreshing right now: leave them to it.
        .where((eb) => eb.or([eb("refresh_lease_until", "is", null), eb("refresh_lease_until", "<", at)]));
    const due: Due[] = (
      await candidates()
        .where("expires_at", "<", at + aheadSeconds * 1000)
        .orderBy("expires_at")
        .limit(batchSize)
        .execute()
    ).map((row) => ({ ...row, rule: validFor(aheadSeconds * 1000) }));
    if (idleMs !== null && due.length < batchSize) {
      const seen = new Set(due.map((row) => row.id));
      const idle = await candidates()
        .where((eb) => eb(eb.fn.coalesce("last_refreshed_at", "connected_at"), "<", at - idleMs))
        .limit(batchSize - due.length)
        .execute();
      // Refreshed whatever its expiry.
      for (const row of idle) if (!seen.has(row.id)) due.push({ ...row, rule: forcedRenewal() });
    }
    const result: RefresherPass = { examined: due.length, refreshed: 0, fresh: 0, failed: 0 };
    const byIntegration = new Map<string, Due[]>();
    for (const row of due) {
      const rows = byIntegration.get(row.integration_id) ?? [];
      rows.push(row);
      byIntegration.set(row.integration_id, rows);
    }
    const spacingMs = 1000 / perSecond;
    await Promise.all(
      [...byIntegration.values()].map(async (rows) => {
        const started: Promise<void>[] = [];
        for (const [index, row] of rows.entries()) {
          if (stopped) break;
          if (index > 0) await sleep(spacingMs);
          // The version found by the query: if another process refreshes it meanwhile, it is left alone.
          const refresh = slots.run(() =>
            options.tokenService.refreshConnection(row.id, { rule: row.rule, expectedVersion: row.version }),
          );
          started.push(
            refresh.then(
              (outcome) => {
                if (outcome === "refreshed") result.refreshed++;
                else if (outcome === "failed") result.failed++;
                else result.fresh++;
              },
              () => {
                result.failed++;
              },
            ),
          );
        }
        await Promise.all(started);
      }),
    );
    if (result.examined > 0) options.logger?.info({ ...result }, "background refresh pass");
    return result;
  }

  function runOnce(): Promise<RefresherPass> {
    if (stopped) return Promise.resolve({ examined: 0, refreshed: 0, fresh: 0, failed: 0 });
    current ??= pass().finally(() => {
      current = undefined;
    });
    return current;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce()
        .catch((err: unknown) =>
          options.logger?.warn(
            { error: err instanceof Error ? err.message : String(err) },
            "background refresh failed",
          ),
        )
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  schedule();
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}

interface Due {
  id: string;
  integration_id: string;
  version: number;
  rule: RenewalRule;
}

/** At most `limit` tasks at once; the rest wait their turn in order. */
class Slots {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A woken waiter inherits the finishing task's slot, so no newcomer can slip in between.
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
