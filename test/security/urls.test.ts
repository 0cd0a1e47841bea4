// RFC 9700 §4.3.2 / §2.2 items the other suites leave implicit: no token, code or secret in any URL the hub
// builds or follows, and no credential accepted from a URL. The authorization URL carries no secret; the
// callback's redirect back to the app carries neither the code nor the state; the hub's pages around the
// callback send no Referer; a personal access token or a session id in a query string is not a credential.
// The redirect URI is exact: the one the hub sends, stores with the state and exchanges with is
// byte-for-byte `<public URL>/api/integrations/oauth2/callback/`.
import { beforeAll, expect, it } from "vitest";
import type { HubClient } from "../helpers/hub.ts";
import { useTestHub } from "../helpers/suiteHub.ts";

const TOKEN = "/api/apps/itwin-browser/integrations/bentley-itwin/token";

const t = useTestHub();
let alice: HubClient;
let pat: string;

beforeAll(async () => {
  alice = await t().signIn("alice@example.com");
  pat = (await alice.post<{ token: string }>("/api/me/tokens", { name: "security" })).body.token;
});

it("the authorization URL has no secret, and the callback returns to the app without the code or state", async () => {
  const login = await alice.fetch(
    "GET",
    "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser&returnTo=/apps/itwin-browser",
  );
  await login.body?.cancel();
  const authorize = login.headers.get("location")!;
  expect(authorize).not.toContain("sandbox-web-secret");
  expect(new URL(authorize).searchParams.get("redirect_uri")).toBe(
    `${t().url}/api/integrations/oauth2/callback/`,
  );
  // The state stored for this flow remembers exactly that redirect URI (used again at the exchange).
  const states = await t().hub.services.store.db.selectFrom("oauth_states").select("redirect_uri").execute();
  expect(states.map((s) => s.redirect_uri)).toEqual([`${t().url}/api/integrations/oauth2/callback/`]);

  const done = await t().connect(alice, "bentley-itwin", "alice@example.com", {
    app: "itwin-browser",
    returnTo: "/apps/itwin-browser",
  });
  await done.body?.cancel();
  expect(done.status).toBe(302);
  const back = done.headers.get("location")!;
  expect(back).toBe("/apps/itwin-browser");
  expect(back).not.toMatch(/code=|state=|token|iss=/);
});

it("the callback's pages send no Referer (the callback URL holds the code)", async () => {
  const res = await alice.fetch("GET", "/api/integrations/oauth2/callback/?state=unknown&code=abc");
  await res.body?.cancel();
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
});

it("a personal access token in the query string is not a credential", async () => {
  const anonymous = t().client();
  for (const name of ["access_token", "token", "pat", "bearer"]) {
    const me = await anonymous.get(`/api/me?${name}=${encodeURIComponent(pat)}`);
    expect(me.status, name).toBe(401);
    const token = await anonymous.get(`${TOKEN}?${name}=${encodeURIComponent(pat)}`);
    expect([400, 401], name).toContain(token.status);
    expect(token.text).not.toContain("accessToken");
  }
  // In the header it works (the positive control).
  const script = t().client();
  script.bearer = pat;
  expect((await script.get(TOKEN)).status).toBe(200);
});

it("a session id in the query string is not a session", async () => {
  const cookie = alice.jar.get("gatehouse_session")!;
  const res = await t()
    .client()
    .get(`/api/me?gatehouse_session=${encodeURIComponent(cookie)}`);
  expect(res.status).toBe(401);
});

it("token answers are never cacheable and name no token in an error", async () => {
  const ok = await alice.get(TOKEN);
  expect(ok.status).toBe(200);
  expect(ok.headers.get("cache-control")).toBe("no-store");
  const refused = await alice.get("/api/apps/not-assigned/integrations/bentley-itwin/token");
  expect(refused.status).toBe(403);
  expect(refused.headers.get("cache-control")).toBe("no-store");
  expect(refused.text).not.toContain((ok.body as { accessToken: string }).accessToken);
});
