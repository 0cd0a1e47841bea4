import { GatehouseError } from "../errors.ts";

/** How hard to retry a transient provider failure. All times in milliseconds. */
export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time (before jitter). */
  baseDelayMs: number;
  /** Cap on one delay, Retry-After included. */
  maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first one. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  maxTotalMs: 8_000,
};

/** A failure worth retrying: the provider could not be reached, timed out, or answered 5xx/429. */
export function isTransient(err: unknown): boolean {
  return err instanceof GatehouseError && err.code === "provider_unavailable";
}

/** The provider's Retry-After (the OAuth engine puts it in `details.retryAfterSeconds`), in ms. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof GatehouseError)) return undefined;
  const seconds = err.details?.retryAfterSeconds;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * The delay before attempt `attempt + 1` (attempt counts from 1): exponential with "full jitter" (a random
 * point between half and all of the step) so that many hub processes retrying together spread out; a
 * Retry-After from the provider is honoured when it is longer, but never beyond the cap.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  err: unknown,
  random = Math.random,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = step / 2 + random() * (step / 2);
  const asked = retryAfterMs(err);
  return Math.min(policy.maxDelayMs, asked !== undefined ? Math.max(asked, jittered) : jittered);
}

export interface RetryOptions {
  policy?: RetryPolicy;
  /** Which errors to retry; default `isTransient`. */
  retryable?: (err: unknown) => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told about each failed attempt that will be retried (for logs; never pass the error's secrets on). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, runs out of attempts, or the next delay
 * would end past `maxTotalMs`; then throws the last error. The total time is bounded so that a caller
 * holding a refresh lock knows how long it may hold it.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const retryable = options.retryable ?? isTransient;
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!retryable(err) || attempt >= policy.attempts) throw err;
      const delay = backoffDelay(policy, attempt, err);
      if (now() + delay - started > policy.maxTotalMs) throw err;
      options.onRetry?.(err, attempt, delay);
      await wait(delay);
    }
  }
}
