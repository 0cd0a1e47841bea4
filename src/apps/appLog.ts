/**
 * An app process's stdout and stderr, into the hub's log: line by line, each line cut at a length, and within
 * a budget of lines and bytes per minute per app. What is over the budget is counted and dropped, with one
 * warning when the dropping starts and one summary when it ends, so an app cannot flood the hub's log (or its
 * disk) however much it prints.
 */

export interface AppLogLimits {
  /** Longest line logged, in characters; the rest of a longer line is dropped. */
  maxLineChars: number;
  /** Lines logged per app and per minute. */
  linesPerMinute: number;
  /** UTF-8 bytes logged per app and per minute. */
  bytesPerMinute: number;
}

export const DEFAULT_APP_LOG_LIMITS: AppLogLimits = {
  maxLineChars: 2_000,
  linesPerMinute: 2_000,
  bytesPerMinute: 512 * 1024,
};

const WINDOW_MS = 60_000;
/** How much of the last stderr line is kept to explain a failed start. */
const LAST_LINE_CHARS = 300;

export interface AppLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

type Stream = "stdout" | "stderr";
/** What a run of refusals dropped. */
export interface Dropped {
  lines: number;
  bytes: number;
}

/** Splits a text stream into lines, cutting a line at `maxChars` and skipping the rest of it. */
export class LineSplitter {
  private partial = "";
  /** In the middle of a line already emitted cut: skip until its end. */
  private skipping = false;

  constructor(private readonly maxChars: number) {}

  /** The complete lines `chunk` finishes; a cut line is emitted as soon as it reaches the cap. */
  push(chunk: string): { line: string; cut: boolean }[] {
    const out: { line: string; cut: boolean }[] = [];
    let rest = chunk;
    for (;;) {
      const newline = rest.indexOf("\n");
      const piece = newline < 0 ? rest : rest.slice(0, newline);
      if (!this.skipping) {
        this.partial += piece;
        if (this.partial.length > this.maxChars) {
          out.push({ line: this.partial.slice(0, this.maxChars), cut: true });
          this.partial = "";
          this.skipping = true;
        }
      }
      if (newline < 0) break;
      if (!this.skipping) out.push({ line: this.partial, cut: false });
      this.partial = "";
      this.skipping = false;
      rest = rest.slice(newline + 1);
    }
    return out;
  }

  /** What is left when the stream ends (a last line without a newline). */
  end(): { line: string; cut: boolean }[] {
    const left = this.skipping || this.partial === "" ? [] : [{ line: this.partial, cut: false }];
    this.partial = "";
    this.skipping = false;
    return left;
  }
}

/** Lines and bytes per app and per minute; counts what it refuses. */
export class LogBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private lines = 0;
  private bytes = 0;
  private droppedLines = 0;
  private droppedBytes = 0;

  constructor(
    private readonly limits: AppLogLimits,
    private readonly now: () => number,
  ) {}

  /**
   * Whether a line of `bytes` bytes may be logged now; `dropping` says that this refusal starts a run
   * of them, `ended` reports the run of refusals a new window ends.
   */
  take(bytes: number): { admit: boolean; dropping: boolean; ended: Dropped | null } {
    const ended = this.roll();
    if (this.lines + 1 > this.limits.linesPerMinute || this.bytes + bytes > this.limits.bytesPerMinute) {
      const dropping = this.droppedLines === 0;
      this.droppedLines += 1;
      this.droppedBytes += bytes;
      return { admit: false, dropping, ended };
    }
    this.lines += 1;
    this.bytes += bytes;
    return { admit: true, dropping: false, ended };
  }

  /** Ends the current run of refusals (when the process ends), answering what it dropped. */
  flush(): Dropped | null {
    if (this.droppedLines === 0) return null;
    const dropped = { lines: this.droppedLines, bytes: this.droppedBytes };
    this.droppedLines = 0;
    this.droppedBytes = 0;
    return dropped;
  }

  private roll(): Dropped | null {
    const now = this.now();
    if (now - this.windowStart < WINDOW_MS) return null;
    this.windowStart = now;
    this.lines = 0;
    this.bytes = 0;
    return this.flush();
  }
}

/**
 * One app process's output: splits, cuts, budgets and logs it; keeps the last stderr line for load
 * failures. The budget is the app's, shared by its successive processes: a restart does not refill it.
 */
export class AppOutput {
  private readonly splitters: Record<Stream, LineSplitter>;
  private lastError = "";

  constructor(
    private readonly app: string,
    private readonly logger: AppLogger | undefined,
    private readonly budget: LogBudget,
    private readonly limits: AppLogLimits = DEFAULT_APP_LOG_LIMITS,
  ) {
    this.splitters = {
      stdout: new LineSplitter(limits.maxLineChars),
      stderr: new LineSplitter(limits.maxLineChars),
    };
  }

  write(stream: Stream, chunk: string): void {
    for (const line of this.splitters[stream].push(chunk)) this.line(stream, line);
  }

  /** The process ended: log what is left and say what was dropped. */
  end(): void {
    for (const stream of ["stdout", "stderr"] as const)
      for (const line of this.splitters[stream].end()) this.line(stream, line);
    this.reportDropped(this.budget.flush());
  }

  /** The last line the process wrote to stderr (cut), e.g. why it could not start. */
  get lastErrorLine(): string {
    return this.lastError;
  }

  private line(stream: Stream, { line, cut }: { line: string; cut: boolean }): void {
    if (line.trim() === "") return;
    if (stream === "stderr") this.lastError = line.slice(0, LAST_LINE_CHARS);
    const { admit, dropping, ended } = this.budget.take(Buffer.byteLength(line));
    this.reportDropped(ended);
    if (admit) {
      const level = stream === "stdout" ? "info" : "warn";
      this.logger?.[level](
        { app: this.app, stream, output: line, ...(cut ? { cut: true } : {}) },
        "app output",
      );
    } else if (dropping) {
      this.logger?.warn(
        {
          app: this.app,
          linesPerMinute: this.limits.linesPerMinute,
          bytesPerMinute: this.limits.bytesPerMinute,
        },
        "app output over its budget; dropping it for the rest of the minute",
      );
    }
  }

  private reportDropped(dropped: Dropped | null): void {
    if (!dropped) return;
    this.logger?.warn(
      { app: this.app, droppedLines: dropped.lines, droppedBytes: dropped.bytes },
      "app output dropped over its budget",
    );
  }
}
