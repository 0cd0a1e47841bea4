// The token API an app calls for its user's access token: served only to that user (session or personal
// access token), only for an assigned integration, refreshed before it would expire, kept while the provider
// is down, and a refused refresh token turned into a reconnect.
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  TOKEN_PATH,
  expectSecretsKeptOut,
  startConnectHub,
  type TokenAnswer,
} from "../helpers/connectHub.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import type { HubClient, TestHub } from "../helpers/hub.ts";
import { expectProblem, pageCode } from "../helpers/problems.ts";

forEachDatabase("token API", (_getStore, database) => {
  let t: TestHub;
  let alice: HubClient;
  let aliceToken: TokenAnswer;
  /** Moves the hub's clock (not the emulators'). */
  let clockOffset = 0;

  beforeAll(async () => {
    ({ t, alice } = await startConnectHub(database, () => clockOffset));
    expect(
      (await t.connect(alice, "bentley-itwin", "alice@example.com", { app: "itwin-browser" })).status,
    ).toBe(302);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Alice's connection to bentley-itwin as /api/me/connections lists it. */
  async function aliceConnection(): Promise<string | undefined> {
    const connections = await alice.get<{ integration: string; status: string }[]>("/api/me/connections");
    return connections.body.find((c) => c.integration === "bentley-itwin")?.status;
  }

  it("hands out a token the iTwins emulator accepts, with no-store", async () => {
    const res = await alice.get<TokenAnswer>(TOKEN_PATH);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body.tokenType).toBe("Bearer");
    expect(new Date(res.body.expiresAt).toISOString()).toBe(res.body.expiresAt);
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
    expect(res.body.scopes).toContain("itwin-platform");
    aliceToken = res.body;
    const itwins = await fetch(`${t.emulators!.bentley.url}/itwins/`, {
      headers: {
        authorization: `Bearer ${aliceToken.accessToken}`,
        accept: "application/vnd.bentley.itwin-platform.v1+json",
      },
    });
    expect(itwins.status).toBe(200);
    const body = (await itwins.json()) as { iTwins: unknown[] };
    expect(body.iTwins.length).toBeGreaterThan(0);
  });

  it("serves the same token to a script with alice's personal access token", async () => {
    const pat = await alice.post<{ token: string }>("/api/me/tokens", { name: "script" });
    const script = t.client();
    script.bearer = pat.body.token;
    const res = await script.get<TokenAnswer>(`${TOKEN_PATH}?minValidity=120`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.accessToken).toBe(aliceToken.accessToken);
  });

  it("never gives one user's token to another", async () => {
    const bob = await t.signIn("bob@example.com");
    const res = await bob.get(TOKEN_PATH);
    const problem = expectProblem(res, 401, "login_required");
    expect(problem.loginUrl).toBe("/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser");
    expect(problem.detail).toBe("Connect your bentley-itwin account first");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.text).not.toContain(aliceToken.accessToken);
    // Bob connects his own emulator account: he gets his own token, never alice's.
    expect((await t.connect(bob, "bentley-itwin", "bob@example.com")).status).toBe(302);
    const bobs = await bob.get<TokenAnswer>(TOKEN_PATH);
    expect(bobs.status).toBe(200);
    expect(bobs.body.accessToken).not.toBe(aliceToken.accessToken);
    expect((await alice.get<TokenAnswer>(TOKEN_PATH)).body.accessToken).toBe(aliceToken.accessToken);
  });

  it("refuses an app the integration is not assigned to, and unknown integrations", async () => {
    expectProblem(
      await alice.get("/api/apps/acc-hubs/integrations/bentley-itwin/token"),
      403,
      "integration_not_assigned",
    );
    expectProblem(
      await alice.get("/api/apps/itwin-browser/integrations/nope/token"),
      404,
      "integration_not_found",
    );
    expectProblem(await alice.get(`${TOKEN_PATH}?minValidity=abc`), 400, "validation_failed");
    expectProblem(await t.client().get(TOKEN_PATH), 401, "unauthenticated");
    const start = await alice.fetch("GET", "/api/integrations/oauth2/login/bentley-itwin?app=acc-hubs");
    expect(start.status).toBe(403);
    expect(await pageCode(start)).toBe("integration_not_assigned");
  });

  it("answers a held token as the first read did, and refuses with it held what the route refuses", async () => {
    const okCount = async () =>
      Number(
        /gatehouse_token_requests_total\{outcome="ok"\} (\d+)/.exec(
          (await t.client().get("/metrics")).text,
        )?.[1],
      );
    /** A script of alice's with a personal access token of `grant`, its token already held by the hub. */
    const scriptWith = async (name: string, grant: Record<string, unknown> = {}) => {
      const pat = await alice.post<{ token: string }>("/api/me/tokens", { name, ...grant });
      expect(pat.status, pat.text).toBe(201);
      const script = t.client();
      script.bearer = pat.body.token;
      await script.get("/api/me");
      return script;
    };
    const script = await scriptWith("held");
    const first = await script.get<TokenAnswer>(TOKEN_PATH);
    const before = await okCount();
    // Now held: answered before Fastify (heldTokenLane.ts).
    for (const path of [TOKEN_PATH, `${TOKEN_PATH}?minValidity=0`, `${TOKEN_PATH}?minValidity=86400`]) {
      const held = await script.get<TokenAnswer>(path);
      expect(held.status, held.text).toBe(200);
      expect(held.text).toBe(first.text);
      for (const header of ["cache-control", "content-type", "x-content-type-options", "content-length"])
        expect(held.headers.get(header), header).toBe(first.headers.get(header));
    }
    expect(await okCount()).toBe(before + 3);
    // A URL the router reads the same way but the lane does not take is answered alike, by the route.
    const escaped = await script.get<TokenAnswer>(TOKEN_PATH.replace("itwin-browser", "itwin%2Dbrowser"));
    expect(escaped.status, escaped.text).toBe(200);
    expect(escaped.text).toBe(first.text);
    expectProblem(await script.get(`${TOKEN_PATH}/`), 404, "not_found");
    // What the schema refuses is still refused while the token is held.
    for (const query of ["minValidity=abc", "minValidity=1&minValidity=2", "minValidity=123456", "other=1"])
      expectProblem(await script.get(`${TOKEN_PATH}?${query}`), 400, "validation_failed");
    for (let i = 0; i < 2; i++)
      expectProblem(
        await script.get("/api/apps/acc-hubs/integrations/bentley-itwin/token"),
        403,
        "integration_not_assigned",
      );
    // A personal access token is held to its scopes and apps while it is held too (its second request).
    for (const [grant, code] of [
      [{ scopes: ["apps:run"] }, "insufficient_scope"],
      [{ apps: ["acc-hubs"] }, "insufficient_scope"],
    ] as const) {
      const limited = await scriptWith(`held-${code}-${JSON.stringify(grant)}`, grant);
      for (let i = 0; i < 2; i++) expectProblem(await limited.get(TOKEN_PATH), 403, code);
    }
    // Signed in with the session, the same token through the route.
    const session = await alice.get<TokenAnswer>(TOKEN_PATH);
    expect(session.text).toBe(first.text);
  });

  it("gives a service token for the client-credentials integration", async () => {
    const res = await alice.get<TokenAnswer>(
      "/api/apps/itwin-service/integrations/bentley-itwin-service/token",
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.tokenType).toBe("Bearer");
    const start = await alice.fetch("GET", "/api/integrations/oauth2/login/bentley-itwin-service");
    expect(start.status).toBe(400);
    expect(await pageCode(start)).toBe("integration_grant_mismatch");
  });

  it("refreshes first when the token would not stay valid for minValidity, once", async () => {
    const bentley = t.emulators!.bentley;
    bentley.resetStats();
    const before = (await alice.get<TokenAnswer>(TOKEN_PATH)).body;
    // The emulator's tokens live an hour: two hours asked of one are capped at half its lifetime.
    expect((await alice.get<TokenAnswer>(`${TOKEN_PATH}?minValidity=7200`)).body.accessToken).toBe(
      before.accessToken,
    );
    expect(bentley.stats().token.refresh_token.ok).toBe(0);
    try {
      // The hub's clock 59½ minutes on: 30 s left, less than the default 60 s.
      clockOffset = new Date(before.expiresAt).getTime() - Date.now() - 30_000;
      const res = await alice.get<TokenAnswer>(TOKEN_PATH);
      expect(res.status, res.text).toBe(200);
      expect(res.body.accessToken).not.toBe(before.accessToken);
      expect(bentley.stats().token.refresh_token.ok).toBe(1);
      // The new token works at the API, and is what the next requests get — whatever they ask — without
      // another refresh.
      const itwins = await fetch(`${bentley.url}/itwins/`, {
        headers: { authorization: `Bearer ${res.body.accessToken}` },
      });
      expect(itwins.status).toBe(200);
      await itwins.body?.cancel();
      for (const query of ["", "?minValidity=7200", "?minValidity=86400"]) {
        expect((await alice.get<TokenAnswer>(`${TOKEN_PATH}${query}`)).body.accessToken).toBe(
          res.body.accessToken,
        );
      }
      expect(bentley.stats().token.refresh_token.ok).toBe(1);
    } finally {
      clockOffset = 0;
    }
  });

  it("serves a still-valid token while the provider is down, 503 once it has expired; stays connected", async () => {
    const bentley = t.emulators!.bentley;
    const current = (await alice.get<TokenAnswer>(TOKEN_PATH)).body;
    bentley.knobs.set({ failure: { target: "token", kind: "5xx" } });
    try {
      // 30 s left: due for a refresh, which fails, so the still-valid token is served.
      clockOffset = new Date(current.expiresAt).getTime() - Date.now() - 30_000;
      const stillValid = await alice.get<TokenAnswer>(TOKEN_PATH);
      expect(stillValid.status, stillValid.text).toBe(200);
      expect(stillValid.body.accessToken).toBe(current.accessToken);
      clockOffset = 2 * 60 * 60 * 1000; // the hub now sees the token as expired
      const down = await alice.get(TOKEN_PATH);
      expectProblem(down, 503, "provider_unavailable");
      expect(down.headers.get("cache-control")).toBe("no-store");
    } finally {
      clockOffset = 0;
      bentley.knobs.set({ failure: null });
    }
    expect(await aliceConnection()).toBe("connected");
    expect((await alice.get(TOKEN_PATH)).status).toBe(200);
  });

  it("a refused refresh token means reconnect_required and 401 login_required, until the user connects again", async () => {
    const bentley = t.emulators!.bentley;
    bentley.knobs.set({ failure: { target: "token", kind: "invalid_grant", count: 1 } });
    try {
      const current = (await alice.get<TokenAnswer>(TOKEN_PATH)).body;
      clockOffset = new Date(current.expiresAt).getTime() - Date.now() - 30_000;
      const res = await alice.get(TOKEN_PATH);
      const problem = expectProblem(res, 401, "login_required");
      expect(problem.loginUrl).toBe("/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser");
    } finally {
      clockOffset = 0;
      bentley.knobs.set({ failure: null });
    }
    expect(await aliceConnection()).toBe("reconnect_required");
    expectProblem(await alice.get(TOKEN_PATH), 401, "login_required");
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    expect((await alice.get(TOKEN_PATH)).status).toBe(200);
  });

  it("counts token requests by outcome in /metrics", async () => {
    const metrics = await t.client().get("/metrics");
    expect(metrics.text).toMatch(/gatehouse_token_requests_total\{outcome="ok"\} [1-9]/);
    expect(metrics.text).toMatch(/gatehouse_token_requests_total\{outcome="login_required"\} [1-9]/);
    expect(metrics.text).toMatch(
      /gatehouse_token_requests_total\{outcome="integration_not_assigned"\} [1-9]/,
    );
    expect(metrics.text).toMatch(/gatehouse_open_connections [1-9]/);
    expect(metrics.text).toContain("gatehouse_upstream_request_duration_seconds_bucket");
  });

  it("keeps tokens, codes, states and secrets out of every log line and the database", async () => {
    const res = await alice.get<TokenAnswer>(TOKEN_PATH);
    expect(res.status, res.text).toBe(200);
    await expectSecretsKeptOut(t, database, [res.body.accessToken, aliceToken.accessToken]);
  });
});
