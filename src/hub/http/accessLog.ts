import { LogController, type FastifyReply, type FastifyRequest } from "fastify";
import pino, { type Logger } from "pino";

/**
 * The access log, at a cost the token path can carry. Fastify's own request logging wrote two lines per
 * request at `info`, each through the redaction of every secret field: a sixth of a token read's CPU
 * (bench/results.json, token_profile, before the caches). Now, as Fastify's `logController`:
 *
 * - `debug`: one line per answered request: method, path (never the query), status, time.
 * - `info`: one summary line per minute: requests by status class, mean and max response time. Failures are
 *   still logged one by one where they happen (5xx by the error handler, a failed reply here at `error`).
 */
export interface AccessLogOptions {
  /** How often the summary is written; default one minute. */
  intervalMs?: number;
}

type StatusClass = "1xx" | "2xx" | "3xx" | "4xx" | "5xx";

/** What the summary counts between two lines. */
class Tally {
  requests = 0;
  /** Requests by status class, 1xx at index 0 to 5xx at index 4 (per request: no key made, no lookup). */
  private readonly classes = [0, 0, 0, 0, 0];
  totalMs = 0;
  maxMs = 0;

  add(statusCode: number, ms: number): void {
    this.requests += 1;
    this.classes[Math.min(4, Math.max(0, Math.floor(statusCode / 100) - 1))]! += 1;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The classes that had requests, as the summary line names them ("2xx": 10, …). */
  get byClass(): Partial<Record<StatusClass, number>> {
    const counts: Partial<Record<StatusClass, number>> = {};
    this.classes.forEach((n, i) => {
      if (n > 0) counts[`${i + 1}xx` as StatusClass] = n;
    });
    return counts;
  }
}

const DEBUG = pino.levels.values.debug!;
const round = (ms: number) => Math.round(ms * 100) / 100;

export class AccessLog extends LogController {
  private tally = new Tally();
  private readonly timer: NodeJS.Timeout;

  /** `log`: where the summary goes (the hub's logger). */
  constructor(
    private readonly log: Logger,
    options: AccessLogOptions = {},
  ) {
    super();
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  override incomingRequest(): void {
    // One line per request is enough, and only at debug: requestCompleted writes it.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const ms = reply.elapsedTime;
    this.tally.add(reply.statusCode, ms);
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: round(ms) }, "request errored");
    } else if ((pino.levels.values[reply.log.level] ?? Infinity) <= DEBUG) {
      reply.log.debug({ req: request, res: reply, responseTime: round(ms) }, "request completed");
    }
  }

  /** True at `debug`: each request gets its own line, which Fastify's path writes (requestCompleted). */
  get perRequest(): boolean {
    return (pino.levels.values[this.log.level] ?? Infinity) <= DEBUG;
  }

  /** Counts an answer made before Fastify (the token route's fast lane), which only runs when !perRequest. */
  answered(statusCode: number, ms: number): void {
    this.tally.add(statusCode, ms);
  }

  /** Writes the summary of what was answered since the last one (nothing when nothing was). */
  flush(): void {
    const done = this.tally;
    if (done.requests === 0) return;
    this.tally = new Tally();
    this.log.info(
      {
        module: "access",
        requests: done.requests,
        ...done.byClass,
        meanMs: round(done.totalMs / done.requests),
        maxMs: round(done.maxMs),
      },
      "requests answered",
    );
  }

  /** Stops the timer and writes the last summary. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
