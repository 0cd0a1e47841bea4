// The connect flow as a browser goes through it: the authorization request the hub sends, the emulator's
// sign-in and consent, and every callback the hub must refuse (replayed, doubled, another session's, late,
// a foreign or missing iss, a returnTo leaving the hub, the provider's own refusal).
import { afterAll, beforeAll, expect, it } from "vitest";
import { signInAtEmulator } from "../helpers/browser.ts";
import {
  TOKEN_PATH,
  expectSecretsKeptOut,
  startConnectHub,
  startFlow,
  type TokenAnswer,
} from "../helpers/connectHub.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { HOSTILE_RETURN_TO } from "../helpers/hostileReturnTo.ts";
import { DEMO_PASSWORD, type HubClient, type TestHub } from "../helpers/hub.ts";
import { errorPageCode, pageCode } from "../helpers/problems.ts";

forEachDatabase("connect flow", (_getStore, database) => {
  let t: TestHub;
  let alice: HubClient;
  /** Moves the hub's clock (not the emulators'). */
  let clockOffset = 0;

  beforeAll(async () => {
    ({ t, alice } = await startConnectHub(database, () => clockOffset));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The callback URL the emulator sends alice's browser back with, after she signed in and consented. */
  async function consentedCallback(client: HubClient): Promise<string> {
    const { finalUrl } = await signInAtEmulator(await startFlow(client), {
      email: "alice@example.com",
      password: DEMO_PASSWORD,
    });
    return finalUrl;
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

  it("refuses a replayed callback", async () => {
    const finalUrl = await consentedCallback(alice);
    const first = await alice.fetch("GET", finalUrl);
    expect(first.status).toBe(302);
    const replay = await alice.fetch("GET", finalUrl);
    expect(replay.status).toBe(400);
    expect(await pageCode(replay)).toBe("state_invalid");
  });

  it("refuses a callback with two authorization codes as malformed, not as the provider's fault", async () => {
    const user = await t.newUser();
    const doubled = new URL(await consentedCallback(user));
    doubled.searchParams.append("code", "another-code");
    const res = await user.fetch("GET", doubled.href);
    expect(res.status).toBe(400);
    expect(await pageCode(res)).toBe("invalid_callback");
    expect((await user.get<unknown[]>("/api/me/connections")).body).toEqual([]);
  });

  it("refuses a callback carrying a state started in another browser session, leaving that flow intact", async () => {
    const finalUrl = await consentedCallback(alice);
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
    const finalUrl = await consentedCallback(alice);
    clockOffset = 11 * 60 * 1000;
    try {
      const late = await alice.fetch("GET", finalUrl);
      expect(late.status).toBe(400);
      expect(await pageCode(late)).toBe("state_expired");
    } finally {
      clockOffset = 0;
    }
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
    expect(errorPageCode(html)).toBe("issuer_mismatch");
    expect(html).toContain("The answer names no issuer");
  });

  it("never follows a returnTo that leaves the hub", async () => {
    for (const returnTo of HOSTILE_RETURN_TO) {
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

  it("keeps tokens, codes, states and secrets out of every log line and the database", async () => {
    const res = await alice.get<TokenAnswer>(TOKEN_PATH);
    expect(res.status, res.text).toBe(200);
    await expectSecretsKeptOut(t, database, [res.body.accessToken]);
  });
});
