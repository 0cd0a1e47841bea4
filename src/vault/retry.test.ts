import { describe, expect, it } from "vitest";
import { GatehouseError } from "../errors.ts";
import { OAuthError } from "../oauth/index.ts";
import { backoffDelay, isTransient, retryAfterMs, withRetry, type RetryPolicy } from "./retry.ts";

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxTotalMs: 3_000 };
const unavailable = (retryAfterSeconds?: number) =>
  new OAuthError(
    "provider_unavailable",
    "down",
    retryAfterSeconds === undefined ? { providerStatus: 503 } : { providerStatus: 429, retryAfterSeconds },
  );

/** A clock that only moves when the retry loop sleeps: no real waiting, no timing in the assertions. */
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

/** A step that always throws the error `fail` makes, counting its calls. */
function alwaysFailing(fail: () => Error) {
  const step = {
    calls: 0,
    run: async (): Promise<never> => {
      step.calls++;
      throw fail();
    },
  };
  return step;
}

describe("retry policy", () => {
  it("treats provider_unavailable as transient and nothing else", () => {
    expect(isTransient(unavailable())).toBe(true);
    expect(isTransient(new OAuthError("invalid_grant", "no"))).toBe(false);
    expect(isTransient(new Error("boom"))).toBe(false);
  });

  it("grows the delay exponentially with jitter and caps it", () => {
    for (const random of [0, 0.5, 0.999]) {
      const delays = [1, 2, 3, 4, 5, 6].map((attempt) =>
        backoffDelay(policy, attempt, unavailable(), () => random),
      );
      expect(delays[0]).toBeGreaterThanOrEqual(50);
      expect(delays[0]).toBeLessThanOrEqual(100);
      expect(delays[2]).toBeGreaterThanOrEqual(200);
      expect(Math.max(...delays)).toBeLessThanOrEqual(policy.maxDelayMs);
    }
  });

  it("honours Retry-After when longer, but never beyond the cap", () => {
    expect(retryAfterMs(unavailable(0.5))).toBe(500);
    expect(backoffDelay(policy, 1, unavailable(0.5), () => 0)).toBe(500);
    expect(backoffDelay(policy, 1, unavailable(120), () => 0)).toBe(policy.maxDelayMs);
    expect(
      retryAfterMs(new GatehouseError("provider_unavailable", "y", { retryAfterSeconds: "soon" })),
    ).toBeUndefined();
  });
});

describe("withRetry", () => {
  it("retries transient failures until success", async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw unavailable();
        return "ok";
      },
      { policy, now: clock.now, sleep: clock.sleep },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  it("does not retry a non-transient error", async () => {
    const clock = fakeClock();
    const step = alwaysFailing(() => new OAuthError("invalid_grant", "refused"));
    await expect(withRetry(step.run, { policy, now: clock.now, sleep: clock.sleep })).rejects.toMatchObject({
      code: "invalid_grant",
    });
    expect(step.calls).toBe(1);
  });

  it("stops after the attempt budget and throws the last error", async () => {
    const clock = fakeClock();
    const step = alwaysFailing(() => unavailable());
    await expect(
      withRetry(step.run, {
        policy: { ...policy, maxTotalMs: 1_000_000 },
        now: clock.now,
        sleep: clock.sleep,
      }),
    ).rejects.toMatchObject({ code: "provider_unavailable" });
    expect(step.calls).toBe(policy.attempts);
  });

  it("never sleeps past the total time bound", async () => {
    const clock = fakeClock();
    await expect(
      withRetry(
        async () => {
          throw unavailable(60); // asks for 60 s each time: capped at 1 s per delay
        },
        { policy: { ...policy, attempts: 100, maxTotalMs: 2_500 }, now: clock.now, sleep: clock.sleep },
      ),
    ).rejects.toMatchObject({ code: "provider_unavailable" });
    expect(clock.now()).toBeLessThanOrEqual(2_500);
    expect(clock.sleeps).toEqual([1_000, 1_000]);
  });
});
