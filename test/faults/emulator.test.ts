// Provider faults through the hub's token API: the Bentley emulator's token endpoint answering 5xx, 429
// with Retry-After, hanging, or resetting the connection, while alice's access token has expired.
// A few failures are retried away (one refresh succeeds); a lasting outage is a bounded 503
// provider_unavailable that leaves the connection connected, and the next request after the provider
// recovers gets a token.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FailureKind } from "../../src/emulators/shared/knobs.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/vault/retry.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { updateConnections } from "../helpers/directWrites.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";

const TOKEN = "/api/apps/itwin-browser/integrations/bentley-itwin/token";
const UNREACHED = 1_000;

forEachDatabase("provider faults at the token endpoint", (getStore, database) => {
  let t: TestHub;
  let alice: HubClient;

  beforeAll(async () => {
    t = await startTestHub({ store: database.store });
    alice = await t.signIn("alice@example.com");
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function expire(): Promise<void> {
    await updateConnections(getStore().db, { expires_at: Date.now() - 1_000 });
  }

  async function connectionStatus(): Promise<string | undefined> {
    const res = await alice.get<{ integration: string; status: string }[]>("/api/me/connections");
    return res.body.find((c) => c.integration === "bentley-itwin")?.status;
  }

  const transient: FailureKind[] = ["5xx", "429", "reset"];
  for (const kind of transient) {
    it(`${kind} twice, then normal: retried, one refresh succeeds, 200`, async () => {
      await expire();
      const bentley = t.emulators!.bentley;
      bentley.resetStats();
      bentley.knobs.set({ failure: { target: "token", kind, count: 2, retryAfterSeconds: 0 } });
      try {
        const res = await alice.get<{ accessToken: string }>(TOKEN);
        expect(res.status, res.text).toBe(200);
        expect(bentley.stats().token.refresh_token.ok).toBe(1);
        expect(await connectionStatus()).toBe("connected");
      } finally {
        bentley.knobs.set({ failure: null });
      }
    });
  }

  const lasting: FailureKind[] = ["5xx", "429", "reset", "hang"];
  for (const kind of lasting) {
    it(`${kind} until cleared: a bounded 503 provider_unavailable, still connected, 200 once the provider is back`, async () => {
      await expire();
      const bentley = t.emulators!.bentley;
      // "Until cleared": a count no run reaches, so what is left of it says how many attempts were made.
      bentley.knobs.set({ failure: { target: "token", kind, retryAfterSeconds: 1, count: UNREACHED } });
      try {
        const res = await alice.get<{ code: string }>(TOKEN);
        expect(res.status, res.text).toBe(503);
        expect(res.body.code).toBe("provider_unavailable");
        expect(res.headers.get("content-type")).toMatch(/problem\+json/);
        // Bounded by the retry policy, counted in attempts rather than raced against seconds (its time
        // budget is src/vault/retry.test.ts's, on an injected clock); the test timeout catches a hang.
        const attempts = UNREACHED - (bentley.knobs.get().failure?.count ?? UNREACHED);
        expect(attempts).toBeGreaterThanOrEqual(1);
        expect(attempts).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.attempts);
        expect(await connectionStatus()).toBe("connected");
      } finally {
        bentley.knobs.set({ failure: null });
      }
      const after = await alice.get(TOKEN);
      expect(after.status, after.text).toBe(200);
    }, 60_000);
  }
});
