import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions } from "pino";

type Method = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

/**
 * A request's logger, made only when the request logs something. Fastify gives every request a child
 * logger bound to its id; pino builds a child by serialising its bindings through the redaction of every
 * secret field, and on the token path that was a twelfth of a read's CPU (bench token_profile) for a line
 * that is almost never written. This one holds the parent and the bindings, answers a disabled level at
 * once, and makes the real child on the first line (or the first `child`/`level` change).
 */
export class LazyRequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean },
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  private write(method: Method, args: unknown[]): void {
    // The child's own level (a route's logLevel) decides when one is set; otherwise the parent's does.
    if (!this.made && this.options.level === undefined && !this.parent.isLevelEnabled(method)) return;
    const logger = this.real() as unknown as Record<Method, (...line: unknown[]) => void>;
    logger[method](...args);
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.write("fatal", args);
  }
  error(...args: unknown[]): void {
    this.write("error", args);
  }
  warn(...args: unknown[]): void {
    this.write("warn", args);
  }
  info(...args: unknown[]): void {
    this.write("info", args);
  }
  debug(...args: unknown[]): void {
    this.write("debug", args);
  }
  trace(...args: unknown[]): void {
    this.write("trace", args);
  }
  silent(): void {}
}
