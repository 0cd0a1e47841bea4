import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type pg from "pg";
import type { ChangeFeed, FeedEvent, FeedStatus } from "./changeFeed.ts";
import { CHANGE_CHANNEL, decodeWire, FeedListeners, onLocalChanges } from "./changeFeedWire.ts";
import type { Database } from "./schema.ts";

export interface PostgresFeedOptions {
  /** First reconnect delay after the listener is lost, doubled up to `reconnectMaxMs` (default 100 / 5000). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * How often the LISTEN session is asked `select 1` (default 10 s): a connection that died without a word
   * (a network partition) is noticed within `heartbeatMs + heartbeatTimeoutMs` rather than at TCP's pace.
   */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  now?: () => number;
  /** Told when the listener is lost or back (the hub logs it). Never given a payload. */
  onStateChange?: (state: "live" | "down", detail: { error?: string }) => void;
}

/**
 * The PostgreSQL side: one dedicated session (outside the pool) LISTENing on `gatehouse_changes`. When it
 * breaks — the server restarted, an admin ended it, the network dropped — listeners are told to flush
 * everything, `live` turns false (caches read through), and it reconnects with backoff; once LISTEN is in
 * place again they flush once more (whatever changed meanwhile went unheard) and `live` turns true.
 */
export class PostgresChangeFeed implements ChangeFeed {
  private readonly listeners = new FeedListeners();
  private readonly barriers = new Map<string, () => void>();
  private readonly now: () => number;
  private client: pg.Client | null = null;
  private state: "live" | "down" = "down";
  private since: number;
  private losses = 0;
  private pid: number | null = null;
  private closed = false;
  private reported = false;
  private delay: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly stopLocal: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly newClient: (applicationName: string) => pg.Client,
    private readonly options: PostgresFeedOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.since = this.now();
    this.delay = options.reconnectMinMs ?? 100;
    // This process's own commits, without waiting for their NOTIFY (see changeFeedWire.ts).
    this.stopLocal = onLocalChanges(db, (changes) => {
      for (const change of changes) this.listeners.change(change);
    });
  }

  get live(): boolean {
    return this.state === "live";
  }

  get listenerPid(): number | null {
    return this.pid;
  }

  subscribe(listener: (event: FeedEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  poll(): void {}

  status(): FeedStatus {
    return { state: this.state, transport: "notify", since: this.since, losses: this.losses };
  }

  /** Connects once; on failure the feed starts "down" and keeps trying. */
  async start(): Promise<void> {
    await this.connect();
  }

  async caughtUp(timeoutMs = 5_000): Promise<void> {
    if (!this.live) throw new Error("the change feed's listener is down");
    const id = randomUUID();
    const heard = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.barriers.delete(id);
        reject(new Error(`the change feed did not hear its own barrier within ${timeoutMs} ms`));
      }, timeoutMs);
      this.barriers.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    // Notifications reach a listener in commit order: hearing this one means hearing all before it.
    await sql`select pg_notify(${CHANGE_CHANNEL}, ${JSON.stringify({ barrier: id })})`.execute(this.db);
    return heard;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopLocal();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = null;
    this.pid = null;
    this.state = "down";
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = this.newClient("gatehouse-changes");
    // Both fire when the session breaks; `lost` acts once per client.
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, null));
    client.on("notification", (message) => {
      if (client === this.client) this.heard(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.pid = rows[0]?.pid ?? null;
      this.delay = this.options.reconnectMinMs ?? 100;
      // Before LISTEN took hold, changes went unheard: drop whatever was stored (or loaded) meanwhile.
      this.listeners.flush("listener_restored");
      this.setState("live", {});
      this.startHeartbeat(client);
    } catch (error) {
      // Its 'error' and 'end' events reach `lost`, which ignores a client that never went live.
      await client.end().catch(() => {});
      this.setState("down", { error: describe(error) });
      this.scheduleReconnect();
    }
  }

  private heard(payload: string | undefined): void {
    const message = decodeWire(payload);
    if (message === null) return this.listeners.flush("unreadable");
    if ("barrier" in message) {
      this.barriers.get(message.barrier)?.();
      this.barriers.delete(message.barrier);
      return;
    }
    this.listeners.change(message);
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (client !== this.client) return;
    this.client = null;
    this.pid = null;
    this.losses += 1;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.listeners.flush("listener_lost");
    this.setState("down", { error: error ? describe(error) : "the listener's connection ended" });
    client.on("error", () => {});
    void client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private startHeartbeat(client: pg.Client): void {
    const every = this.options.heartbeatMs ?? 10_000;
    const timeout = this.options.heartbeatTimeoutMs ?? 5_000;
    this.heartbeatTimer = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the listener did not answer its heartbeat")), timeout);
      });
      Promise.race([client.query("select 1"), expired])
        .catch((error: Error) => this.lost(client, error))
        .finally(() => clearTimeout(timer));
    }, every);
    this.heartbeatTimer.unref();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const max = this.options.reconnectMaxMs ?? 5_000;
    const wait = this.delay / 2 + Math.random() * (this.delay / 2);
    this.delay = Math.min(max, this.delay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, wait);
    this.reconnectTimer.unref();
  }

  /** Reports each change of state, and the first failed attempt of a start (the feed starts "down"). */
  private setState(state: "live" | "down", detail: { error?: string }): void {
    const changed = state !== this.state;
    this.state = state;
    if (changed) this.since = this.now();
    if (changed || !this.reported) this.options.onStateChange?.(state, detail);
    this.reported = true;
  }
}

/** An error's message for a log line: pg errors name the server's words, never a payload. */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
