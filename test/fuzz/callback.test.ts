import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";
import { pageCode } from "../helpers/problems.ts";

const CALLBACK = "/api/integrations/oauth2/callback/";
const RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 2000);

forEachDatabase("callback under random query strings", (_getStore, database) => {
  let t: TestHub;
  let alice: HubClient;
  const states: string[] = [];

  beforeAll(async () => {
    t = await startTestHub({ store: database.store });
    alice = await t.signIn("alice@example.com");
    // Real pending authorizations, so that some random callbacks carry a state the hub knows.
    for (let i = 0; i < 40; i++) {
      const res = await alice.fetch("GET", "/api/integrations/oauth2/login/bentley-itwin");
      await res.body?.cancel();
      states.push(new URL(res.headers.get("location")!).searchParams.get("state")!);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it("never answers 5xx and never lets a state through twice", async () => {
    const consumed = new Map<string, number>();
    const param = fc.oneof(
      fc.tuple(
        fc.constantFrom("state", "code", "iss", "error", "error_description", "session_state", "x"),
        fc.string(),
      ),
      fc.tuple(fc.string(), fc.string()),
      fc.tuple(fc.constant("state"), fc.constantFrom(...states)),
      fc.tuple(fc.constant("iss"), fc.constantFrom(t.emulators!.bentley.url, "https://evil.example", "")),
    );
    const rawQuery = fc.oneof(
      fc.array(param, { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString()),
      fc.string({ unit: "binary-ascii", maxLength: 80 }).map((s) => s.replace(/[#\s]/g, "")),
      fc.constantFrom(
        "state=%zz",
        "state[]=a&state[]=b",
        "state=&code=",
        "error=access_denied",
        "%00=%00",
        "&&&==",
      ),
    );
    await fc.assert(
      fc.asyncProperty(rawQuery, async (query) => {
        const response = await alice.fetch("GET", `${CALLBACK}?${query}`);
        expect(response.status, query).toBeLessThan(500);
        expect(response.status, query).toBeGreaterThanOrEqual(300);
        const code = await pageCode(response);
        const sent = new URLSearchParams(query).getAll("state");
        // A known state that got past the lookup was consumed: count it.
        if (sent.length === 1 && states.includes(sent[0]!) && code !== "state_invalid") {
          consumed.set(sent[0]!, (consumed.get(sent[0]!) ?? 0) + 1);
        }
      }),
      { numRuns: RUNS },
    );
    for (const [state, count] of consumed) expect(count, state).toBe(1);
  });

  it("lets exactly one of many parallel callbacks with the same state through", async () => {
    const res = await alice.fetch("GET", "/api/integrations/oauth2/login/bentley-itwin");
    await res.body?.cancel();
    const state = new URL(res.headers.get("location")!).searchParams.get("state")!;
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await alice.fetch(
          "GET",
          `${CALLBACK}?state=${encodeURIComponent(state)}&code=made-up`,
        );
        return { status: response.status, code: await pageCode(response) };
      }),
    );
    const passed = answers.filter((a) => a.code !== "state_invalid");
    expect(passed).toHaveLength(1);
    expect(passed[0]!.status).toBeLessThan(500);
    expect(answers.every((a) => a.status < 500)).toBe(true);
  });
});
