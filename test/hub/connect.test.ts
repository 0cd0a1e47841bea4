import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { introspectToken } from "../../src/oauth/index.ts";
import { aad } from "../../src/vault/aad.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { signInAtEmulator } from "../helpers/browser.ts";
import {
  DEMO_PASSWORD,
  startTestHub,
  type HubClient,
  type HubResponse,
  type TestHub,
} from "../helpers/hub.ts";

interface TokenAnswer {
  accessToken: string;
  tokenType: string;
  expiresAt: string;
  scopes: string[];
}

const TOKEN_PATH = "/api/apps/itwin-browser/integrations/bentley-itwin/token";

function expectProblem(res: HubResponse, status: number, code: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
  return res.body as Record<string, unknown>;
}

/** The code shown on the hub's error page. */
async function pageCode(response: Response): Promise<string | null> {
  const html = await response.text();
  return /Error code: <code>([^<]+)<\/code>/.exec(html)?.[1] ?? null;
}

forEachDatabase("connect flow and token API", (_getStore, database) => {
  let t: TestHub;
  let alice: HubClient;
  let aliceToken: TokenAnswer;
  /** Moves the hub's clock (not the emulators'). */
  let clockOffset = 0;

  beforeAll(async () => {
    t = await startTestHub({
      store: database.store,
      deps: {
        now: () => Date.now() + clockOffset,
        // Outages should not make the suite wait: two quick attempts.
        tokenService: { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxTotalMs: 200 } },
      },
    });
    alice = await t.signIn("alice@example.com");
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Alice's stored refresh token for an integration (the emulator can introspect refresh tokens, not JWTs). */
  async function storedRefreshToken(integrationId: string): Promise<string> {
    const me = (await alice.get<{ id: string }>("/api/me")).body;
    const row = await database.store.db
      .selectFrom("connections")
      .select(["id", "refresh_token_enc"])
      .where("integration_id", "=", integrationId)
      .where("user_id", "=", me.id)
      .executeTakeFirstOrThrow();
    return t.hub.services.keyRing.decrypt(row.refresh_token_enc!, aad.connectionRefreshToken(row.id));
  }

  /** Starts a connect flow and returns the provider's authorization URL (not followed). */
  async function startFlow(client: HubClient, query = ""): Promise<string> {
    const res = await client.fetch("GET", `/api/integrations/oauth2/login/bentley-itwin${query}`);
    await res.body?.cancel();
    expect(res.status).toBe(302);
    return res.headers.get("location")!;
  }

  it("connects bentley-itwin through the emulator's sign-in and consent, then returns to returnTo", async () => {
    const res = await t.connect(alice, "bentley-itwin", "alice@example.com", {
      app: "itwin-browser",
      returnTo: "/apps/itwin-browser?tab=data",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/apps/itwin-browser?tab=data");
    const connections =
      await alice.get<{ integration: string; status: string; scopes: string[] }[]>("/api/me/connections");
    expect(connections.body).toEqual([
      expect.objectContaining({ integration: "bentley-itwin", status: "connected" }),
    ]);
  });

  it("sends PKCE S256, state and the registered redirect URI to the provider", async () => {
    const url = new URL(await startFlow(alice, "?app=itwin-browser"));
    expect(url.origin).toBe(t.emulators!.bentley.url);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("state")).toBeTruthy();
    expect(url.searchParams.get("redirect_uri")).toBe(`${t.url}/api/integrations/oauth2/callback/`);
    expect(url.searchParams.get("client_id")).toBe("sandbox-web");
    // Only the hash of the state is stored.
    const rows = await database.store.db.selectFrom("oauth_states").select("state_hash").execute();
    expect(rows.map((r) => r.state_hash)).not.toContain(url.searchParams.get("state"));
  });

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
    const connections = await alice.get<{ integration: string; status: string }[]>("/api/me/connections");
    expect(connections.body.find((c) => c.integration === "bentley-itwin")?.status).toBe("connected");
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
    const connections = await alice.get<{ integration: string; status: string }[]>("/api/me/connections");
    expect(connections.body.find((c) => c.integration === "bentley-itwin")?.status).toBe(
      "reconnect_required",
    );
    expectProblem(await alice.get(TOKEN_PATH), 401, "login_required");
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    expect((await alice.get(TOKEN_PATH)).status).toBe(200);
  });

  it("refuses a replayed callback", async () => {
    const authorizationUrl = await startFlow(alice);
    const { finalUrl } = await signInAtEmulator(authorizationUrl, {
      email: "alice@example.com",
      password: DEMO_PASSWORD,
    });
    const first = await alice.fetch("GET", finalUrl);
    expect(first.status).toBe(302);
    const replay = await alice.fetch("GET", finalUrl);
    expect(replay.status).toBe(400);
    expect(await pageCode(replay)).toBe("state_invalid");
  });

  it("refuses a callback with two authorization codes as malformed, not as the provider's fault", async () => {
    const user = await t.newUser();
    const authorizationUrl = await startFlow(user);
    const { finalUrl } = await signInAtEmulator(authorizationUrl, {
      email: "alice@example.com",
      password: DEMO_PASSWORD,
    });
    const doubled = new URL(finalUrl);
    doubled.searchParams.append("code", "another-code");
    const res = await user.fetch("GET", doubled.href);
    expect(res.status).toBe(400);
    expect(await pageCode(res)).toBe("invalid_callback");
    expect((await user.get<unknown[]>("/api/me/connections")).body).toEqual([]);
  });

  it("refuses a callback carrying a state started in another browser session, leaving that flow intact", async () => {
    const authorizationUrl = await startFlow(alice);
    const { finalUrl } = await signInAtEmulator(authorizationUrl, {
      email: "alice@example.com",
      password: DEMO_PASSWORD,
    });
    const mallory = await t.newUser();
    const stolen = await mallory.fetch("GET", finalUrl);
    expect(stolen.status).toBe(400);
    expect(await pageCode(stolen)).toBe("state_invalid");
    expect((await mallory.get<unknown[]>("/api/me/connections")).body).toEqual([]);
    // The same browser session that started it can still finish (the state was not consumed).
    const own = await alice.fetch("GET", finalUrl);
    expect(own.status).toBe(302);
    // A signed-out browser is refused too.
    const signedOut = await t.client().fetch("GET", finalUrl);
    expect(signedOut.status).toBe(401);
  });

  it("refuses a callback that comes more than 10 minutes after the flow started", async () => {
    const authorizationUrl = await startFlow(alice);
    const { finalUrl } = await signInAtEmulator(authorizationUrl, {
      email: "alice@example.com",
      password: DEMO_PASSWORD,
    });
    clockOffset = 11 * 60 * 1000;
    try {
      const late = await alice.fetch("GET", finalUrl);
      expect(late.status).toBe(400);
      expect(await pageCode(late)).toBe("state_expired");
    } finally {
      clockOffset = 0;
    }
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

  it("refuses a tampered iss", async () => {
    const res = await t.connect(alice, "bentley-itwin", "alice@example.com", {
      tamper: (url) => {
        url.searchParams.set("iss", "https://evil.example");
        return url;
      },
    });
    expect(res.status).toBe(400);
    expect(await pageCode(res)).toBe("issuer_mismatch");
  });

  it("refuses a callback without iss when the provider's metadata advertises it (RFC 9207)", async () => {
    // The preset does not say Bentley always sends iss; the emulator's discovery document does.
    const res = await t.connect(alice, "bentley-itwin", "alice@example.com", {
      tamper: (url) => {
        url.searchParams.delete("iss");
        return url;
      },
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(/Error code: <code>([^<]+)<\/code>/.exec(html)?.[1]).toBe("issuer_mismatch");
    expect(html).toContain("The answer names no issuer");
  });

  it("never follows a returnTo that leaves the hub", async () => {
    for (const returnTo of [
      "https://evil.example",
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "javascript:alert(1)",
      "evil.example",
      // Each passes a check of the raw text and normalises into "//evil.example/x" (issue 12).
      "/.//evil.example/x",
      "/%2e%2e//evil.example/x",
      "/a/..//evil.example/x",
    ]) {
      const res = await t.connect(alice, "bentley-itwin", "alice@example.com", { returnTo });
      expect(res.status, returnTo).toBe(302);
      expect(res.headers.get("location"), returnTo).toBe("/");
    }
  });

  it("shows the provider's refusal on a readable page", async () => {
    const res = await t.connect(alice, "bentley-itwin", "alice@example.com", { decision: "deny" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("The provider said: access denied");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html).toContain("access_denied");
    expect(html).not.toMatch(/\s+at .+\.ts:\d+/);
  });

  it("sends a signed-out browser to sign in first", async () => {
    const res = await t
      .client()
      .fetch("GET", "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(
      /^\/login\?next=%2Fapi%2Fintegrations%2Foauth2%2Flogin%2Fbentley-itwin/,
    );
  });

  it("disconnect revokes at the provider: introspection says inactive, the token API asks to sign in", async () => {
    const integration = (await t.hub.services.integrations.get("bentley-itwin"))!;
    const cfg = t.hub.services.oauthConfigFor(integration);
    const refreshToken = await storedRefreshToken(integration.id);
    expect((await introspectToken(cfg, refreshToken)).active).toBe(true);
    const accessToken = (await alice.get<TokenAnswer>(TOKEN_PATH)).body.accessToken;
    expect((await introspectToken(cfg, accessToken)).active).toBe(true);
    expect((await alice.delete("/api/me/connections/bentley-itwin")).status).toBe(204);
    expect((await introspectToken(cfg, refreshToken)).active).toBe(false);
    expect((await introspectToken(cfg, accessToken)).active).toBe(false);
    const itwins = await fetch(`${t.emulators!.bentley.url}/itwins/`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(itwins.status).toBe(401);
    await itwins.body?.cancel();
    expectProblem(await alice.get(TOKEN_PATH), 401, "login_required");
    expectProblem(await alice.delete("/api/me/connections/bentley-itwin"), 404, "connection_not_found");
  });

  it("keeps tokens, codes, states and secrets out of every log line and the database", async () => {
    // Connect again to have live tokens to look for.
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    const token = (await alice.get<TokenAnswer>(TOKEN_PATH)).body.accessToken;
    const logs = t.logs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [
      token,
      aliceToken.accessToken,
      "sandbox-web-secret",
      "sandbox-service-secret",
      DEMO_PASSWORD,
    ]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toMatch(/[?&](code|state)=/);
    expect(logs).not.toContain("gth_");
    const dumps = await Promise.all(
      (["connections", "service_tokens", "integrations", "oauth_states"] as const).map((table) =>
        database.store.db.selectFrom(table).selectAll().execute(),
      ),
    );
    const raw = JSON.stringify(dumps);
    expect(raw).not.toContain(token);
    expect(raw).not.toContain("sandbox-web-secret");
    if (database.dialect === "sqlite") {
      // The file itself, write-ahead log included: no token or secret in any page, live or stale.
      const path = database.url.slice("sqlite:".length);
      const files = [path, `${path}-wal`].filter((file) => existsSync(file));
      const bytes = files.map((file) => readFileSync(file).toString("latin1")).join("");
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes).not.toContain(token);
      expect(bytes).not.toContain(aliceToken.accessToken);
      expect(bytes).not.toContain("sandbox-web-secret");
    }
  });

  it("deleting the integration revokes and removes every token of it", async () => {
    const integration = (await t.hub.services.integrations.get("bentley-itwin"))!;
    const refreshToken = await storedRefreshToken(integration.id);
    const admin = await t.admin();
    const stored = await database.store.db
      .selectFrom("connections")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("integration_id", "=", integration.id)
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBeGreaterThan(0);
    // What the delete confirmation names: the same number in the single read and in the list.
    const one = await admin.get<{ connectionCount: number }>("/api/admin/integrations/bentley-itwin");
    expect(one.body.connectionCount).toBe(Number(stored.n));
    const all = await admin.get<{ name: string; connectionCount: number }[]>("/api/admin/integrations");
    expect(all.body.find((i) => i.name === "bentley-itwin")?.connectionCount).toBe(Number(stored.n));
    expect(all.body.find((i) => i.name === "bentley-itwin-service")?.connectionCount).toBe(0);
    expect((await admin.delete("/api/admin/integrations/bentley-itwin")).status).toBe(204);
    expect((await introspectToken(t.hub.services.oauthConfigFor(integration), refreshToken)).active).toBe(
      false,
    );
    expectProblem(await alice.get(TOKEN_PATH), 404, "integration_not_found");
    const left = await database.store.db
      .selectFrom("connections")
      .selectAll()
      .where("integration_id", "=", integration.id)
      .execute();
    expect(left).toEqual([]);
  });
});
