// Property tests of the admin API under random bodies (fast-check): whatever JSON (or non-JSON) arrives,
// the hub answers 2xx or 4xx with a problem-details `code`, never 5xx; a refused request stores nothing
// (no new integration or user, an existing integration unchanged); an accepted one reads back whole.
// The callback's fuzz is in test/fuzz/callback.test.ts. Runs: GATEHOUSE_FUZZ_RUNS (default 300).
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { IntegrationInput } from "../../src/vault/integrationStore.ts";
import { startTestHub, type HubClient, type HubResponse, type TestHub } from "../helpers/hub.ts";

const RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 300);

let t: TestHub;
let admin: HubClient;

beforeAll(async () => {
  t = await startTestHub({ emulators: false });
  admin = await t.admin();
});
afterAll(async () => {
  await t?.close();
});

/** The fields an integration is written with: the store's input type, so a new field must be fuzzed too. */
type Field = keyof IntegrationInput;

/** Plausible values per field (so that many bodies get past the first check) mixed with any JSON. */
const plausible: Record<Field, fc.Arbitrary<unknown>> = {
  name: fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,70}$/), fc.constantFrom("", "UPPER", "a b", "ü")),
  provider: fc.constantFrom("generic", "bentley-itwin", "autodesk-aps", "seequent-evo", "nope", ""),
  description: fc.string({ maxLength: 1200 }),
  apps: fc.array(fc.oneof(fc.constant("*"), fc.stringMatching(/^[a-z0-9_-]{0,66}$/)), { maxLength: 4 }),
  grantType: fc.constantFrom("authorization_code", "client_credentials", "password", ""),
  authorizationUrl: fc.oneof(fc.webUrl(), fc.constantFrom("javascript:alert(1)", "/relative", "", null)),
  tokenUrl: fc.oneof(fc.webUrl(), fc.constantFrom("ftp://x", "http://a/#frag", null)),
  revocationUrl: fc.oneof(fc.webUrl(), fc.constant(null)),
  introspectionUrl: fc.oneof(fc.webUrl(), fc.constant(null)),
  issuer: fc.oneof(fc.webUrl(), fc.constant(null)),
  clientId: fc.oneof(fc.string({ maxLength: 600 }), fc.constant("")),
  clientSecret: fc.oneof(fc.string({ maxLength: 50 }), fc.constant(null)),
  scopes: fc.array(fc.oneof(fc.stringMatching(/^[a-z:._-]{1,20}$/), fc.string()), { maxLength: 5 }),
  tokenEndpointAuthMethod: fc.constantFrom("client_secret_basic", "client_secret_post", "none", "jwt"),
  pkce: fc.oneof(fc.boolean(), fc.constantFrom("true", 1, null)),
};
const FIELDS = Object.keys(plausible) as Field[];

const fieldValue = (field: Field) =>
  fc.oneof(
    { weight: 4, arbitrary: plausible[field] },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );

const overrides = fc.record(Object.fromEntries(FIELDS.map((f) => [f, fieldValue(f)])), { requiredKeys: [] });

/** A valid integration with some fields replaced by random values and some removed. */
const fewOverrides = fc
  .subarray([...FIELDS], { maxLength: 3 })
  .chain((picked) => fc.record(Object.fromEntries(picked.map((f) => [f, fieldValue(f)]))));
const mutatedValid = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{6,12}$/), fewOverrides, fc.subarray([...FIELDS], { maxLength: 1 }))
  .map(([suffix, replaced, removed]) => {
    const body: Record<string, unknown> = {
      name: `fz-${suffix}`,
      provider: "generic",
      authorizationUrl: "https://auth.example.com/authorize",
      tokenUrl: "https://auth.example.com/token",
      clientId: "client",
      ...replaced,
    };
    for (const field of removed) delete body[field];
    return body;
  });

/** Valid bodies with random optional fields that keep them valid, so acceptances are common too. */
const valid = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{6,12}$/),
    fc.record(
      {
        description: fc.string({ maxLength: 100 }),
        apps: fc.array(fc.stringMatching(/^[a-z0-9_-]{1,20}$/), { maxLength: 3 }),
        scopes: fc.array(fc.stringMatching(/^[a-z:._-]{1,20}$/), { maxLength: 3 }),
        pkce: fc.boolean(),
        clientSecret: fc.string({ minLength: 1, maxLength: 40 }),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([suffix, extra]) => ({
    name: `ok-${suffix}`,
    provider: "generic",
    authorizationUrl: "https://auth.example.com/authorize",
    tokenUrl: "https://auth.example.com/token",
    clientId: "client",
    ...extra,
  }));

const integrationBody = fc.oneof(
  { weight: 2, arbitrary: valid },
  { weight: 5, arbitrary: mutatedValid },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        overrides,
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
      )
      .map(([a, b]) => ({ ...b, ...a })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A body as sent: JSON of a value, or raw text that may not be JSON at all. */
const rawBody = fc.oneof(
  { weight: 8, arbitrary: integrationBody.map((value) => JSON.stringify(value) ?? "null") },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom("{", '{"name":', "[1,2", "\u0000", '{"__proto__":{"x":1}}', "") },
);

function expectProblemOr2xx(res: HubResponse, context: string): void {
  expect(res.status, `${context} → ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get("content-type"), context).toMatch(/application\/problem\+json/);
    expect(typeof (res.body as { code?: unknown }).code, context).toBe("string");
  }
}

async function integrationNames(): Promise<string[]> {
  const res = await admin.get<{ name: string }[]>("/api/admin/integrations");
  expect(res.status).toBe(200);
  return res.body.map((i) => i.name).sort();
}

async function userCount(): Promise<number> {
  const row = await t.hub.services.store.db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

it("POST /api/admin/integrations: random bodies never 5xx; a refusal stores nothing; an acceptance reads back", async () => {
  let accepted = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(rawBody, async (raw) => {
      const before = await integrationNames();
      const res = await admin.request("POST", "/api/admin/integrations", {
        raw,
        contentType: "application/json",
      });
      expectProblemOr2xx(res, raw);
      const after = await integrationNames();
      if (res.status >= 400) {
        refused++;
        expect(after, raw).toEqual(before);
        return;
      }
      accepted++;
      expect(res.status, raw).toBe(201);
      const created = res.body as { name: string; clientSecret?: unknown };
      expect(created.clientSecret, "the secret is write-only").toBeUndefined();
      expect(after).toEqual([...before, created.name].sort());
      const read = await admin.get(`/api/admin/integrations/${created.name}`);
      expect(read.status).toBe(200);
      expect((await admin.delete(`/api/admin/integrations/${created.name}`)).status).toBe(204);
    }),
    { numRuns: RUNS },
  );
  // Both sides were exercised, or the property says little.
  expect(refused).toBeGreaterThan(0);
  expect(accepted).toBeGreaterThan(0);
  console.log(`[fuzz admin] create: ${accepted} accepted, ${refused} refused`);
});

it("PATCH /api/admin/integrations/{name}: random patches never 5xx; a refused patch changes nothing", async () => {
  const base = await admin.post<{ name: string }>("/api/admin/integrations", {
    name: "fuzz-target",
    provider: "generic",
    authorizationUrl: "https://auth.example.com/authorize",
    tokenUrl: "https://auth.example.com/token",
    clientId: "client",
    clientSecret: "secret",
    scopes: ["read"],
  });
  expect(base.status).toBe(201);
  let name = "fuzz-target";
  await fc.assert(
    fc.asyncProperty(rawBody, async (raw) => {
      const before = await admin.get(`/api/admin/integrations/${name}`);
      expect(before.status).toBe(200);
      const res = await admin.request("PATCH", `/api/admin/integrations/${name}`, {
        raw,
        contentType: "application/json",
      });
      expectProblemOr2xx(res, raw);
      if (res.status >= 400) {
        const after = await admin.get(`/api/admin/integrations/${name}`);
        expect(after.body, raw).toEqual(before.body);
        return;
      }
      // A rename moves the integration; follow it.
      name = (res.body as { name: string }).name;
      expect((await admin.get(`/api/admin/integrations/${name}`)).status).toBe(200);
    }),
    { numRuns: RUNS },
  );
});

it("POST /api/admin/users and /api/me/tokens: random bodies never 5xx; a refusal creates no user", async () => {
  const userBody = fc.oneof(
    fc.record(
      {
        email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 40 })),
        password: fc.oneof(fc.string({ minLength: 8, maxLength: 40 }), fc.string({ maxLength: 7 })),
        role: fc.constantFrom("admin", "developer", "user", "root", ""),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  await fc.assert(
    fc.asyncProperty(userBody, fc.jsonValue({ maxDepth: 2 }), async (body, tokenBody) => {
      const before = await userCount();
      const raw = JSON.stringify(body) ?? "null";
      const res = await admin.request("POST", "/api/admin/users", { raw, contentType: "application/json" });
      expectProblemOr2xx(res, raw);
      expect(await userCount(), raw).toBe(before + (res.status < 300 ? 1 : 0));
      const tokenRaw = JSON.stringify(tokenBody) ?? "null";
      const token = await admin.request("POST", "/api/me/tokens", {
        raw: tokenRaw,
        contentType: "application/json",
      });
      expectProblemOr2xx(token, tokenRaw);
    }),
    { numRuns: Math.max(50, Math.floor(RUNS / 3)) },
  );
});
