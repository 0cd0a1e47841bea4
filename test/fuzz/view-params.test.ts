// Property tests of the views API under random input (fast-check): random params for the ui-showcase
// test app (integer, option and boolean fields), random bodies, and random app and view names. The hub
// answers 200 with a result or a 4xx problem with a code, never 5xx — except `view_failed` (500) when the
// params ask the showcase's Summary view to throw (`fail: true`), which is the app's own error by design.
// Runs: GATEHOUSE_FUZZ_RUNS (default 300; a view invocation is a round trip to the app process).
import { resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";

const RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 300);
const SHOWCASE = resolve(import.meta.dirname, "../fixtures/ui-showcase");

let t: TestHub;
let user: HubClient;

beforeAll(async () => {
  t = await startTestHub({ emulators: false, config: { appsDirs: [SHOWCASE] } });
  user = await t.newUser();
  // The app process starts on the first invocation.
  expect((await user.post("/api/apps/ui-showcase/views/table", { params: {} })).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
});

const anyJson = fc.jsonValue({ maxDepth: 2 });
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anyJson });
const params = fc.record(
  {
    beams: mostly(fc.integer({ min: 1, max: 50 })),
    material: mostly(fc.constantFrom("steel", "timber")),
    fail: mostly(fc.constant(false)),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  { weight: 6, arbitrary: params.map((p) => JSON.stringify({ params: p })) },
  // Unknown parameter names (the text block's name among them).
  {
    weight: 1,
    arbitrary: fc
      .tuple(params, fc.dictionary(fc.constantFrom("intro", "extra", "Beams", ""), anyJson, { minKeys: 1 }))
      .map(([p, d]) => JSON.stringify({ params: { ...p, ...d } })),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), anyJson).map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"params":{"__proto__":{"beams":3}}}',
      '{"params":{"constructor":{"prototype":{"x":1}}}}',
      '{"params":{"beams":1e400}}',
      '{"params":{"beams":-0}}',
      '{"params":{"fail":true}}',
      '{"params":null}',
      '{"params":[]}',
    ),
  },
);

it("random params and bodies for a real view: 200 or 4xx, never 5xx (but the app's own view_failed on fail: true)", async () => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("summary", "table"), body, async (view, raw) => {
      const res = await user.request<{ code?: string }>("POST", `/api/apps/ui-showcase/views/${view}`, {
        raw,
        contentType: "application/json",
      });
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      if (res.status >= 500) {
        const asked = (JSON.parse(raw) as { params?: { fail?: unknown } }).params?.fail === true;
        expect({ status: res.status, code: res.body.code, asked }, raw).toEqual({
          status: 500,
          code: "view_failed",
          asked: true,
        });
        return;
      }
      if (res.status >= 400) {
        expect(res.headers.get("content-type"), raw).toMatch(/problem\+json/);
        expect(typeof res.body.code, raw).toBe("string");
      } else {
        expect(res.status, raw).toBe(200);
      }
    }),
    { numRuns: RUNS },
  );
  console.log(`[fuzz views] statuses: ${JSON.stringify(Object.fromEntries(seen))}`);
  expect(seen.get(200)).toBeGreaterThan(0);
  expect([...seen.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
});

it("random app and view names: 404 or 400, never 5xx", async () => {
  const segment = fc.oneof(
    fc.stringMatching(/^[a-z0-9_-]{1,70}$/),
    fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent),
    fc.constantFrom("..", "%2e%2e", "ui-showcase", "summary", "slow", "__proto__", "constructor"),
  );
  await fc.assert(
    fc.asyncProperty(segment, segment, async (app, view) => {
      if (app === "ui-showcase" && ["summary", "table", "slow"].includes(view)) return;
      const res = await user.request("POST", `/api/apps/${app}/views/${view}`, { body: { params: {} } });
      expect(res.status, `${app}/${view}: ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${app}/${view}: ${res.text}`).toBeLessThan(500);
    }),
    { numRuns: RUNS },
  );
});
