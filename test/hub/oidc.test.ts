// Sign-in through an OpenID provider (issue 12), against a second, independent provider started here (its
// own oidc-provider, users and a groups claim): first sign-in creates the user with the mapped role, a role
// change at the provider takes effect at the next sign-in, users are (issuer, sub), a wrong state, nonce,
// issuer or audience is a readable page, the last admin is never demoted, and logout reaches the provider.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { OidcConfig } from "../../src/config/index.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { TEST_ADMIN, startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";
import { followAtTestIdp, startTestIdp, type TestIdp } from "../helpers/testIdp.ts";

interface Me {
  id: string;
  email: string;
  role: string;
  signedInWith: string;
  roleManagedBy: string | null;
}

interface SignInOptions {
  returnTo?: string;
  /** Change the authorization request before the browser goes there. */
  authorize?: (url: URL) => URL;
  /** Change the provider's answer before the browser brings it back. */
  callback?: (url: URL) => URL;
}

/** The code on the hub's error page. */
async function pageOf(response: Response): Promise<{ status: number; code: string | null; html: string }> {
  const html = await response.text();
  return { status: response.status, code: /Error code: <code>([^<]+)<\/code>/.exec(html)?.[1] ?? null, html };
}

function oidcConfig(idp: TestIdp, extra: Partial<OidcConfig> = {}): OidcConfig {
  return {
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    scopes: ["openid", "email", "profile", "groups"],
    rolesClaim: "groups",
    roles: { admin: ["gatehouse-admins"], developer: ["engineers"] },
    name: "Corp SSO",
    linkByEmail: false,
    ...extra,
  };
}

forEachDatabase("sign-in with a second OpenID provider", (_getStore, database) => {
  let idp: TestIdp;
  let t: TestHub;

  beforeAll(async () => {
    idp = await startTestIdp({
      users: [
        { email: "dana@corp.example", groups: ["gatehouse-admins", "everyone"] },
        { email: "erin@corp.example", groups: ["engineers"] },
        { email: "frank@corp.example", groups: [] },
        { email: "gina@corp.example", groups: ["engineers"] },
      ],
    });
    t = await startTestHub({ store: database.store, emulators: false, config: { oidc: oidcConfig(idp) } });
    idp.setRedirectUris([`${t.url}/api/auth/oidc/callback`]);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  /** One sign-in in `client` (a browser) as `email` at the provider; the hub's last answer. */
  async function signIn(client: HubClient, email: string, options: SignInOptions = {}): Promise<Response> {
    idp.signInAs(email);
    const start = await client.fetch(
      "GET",
      `/api/auth/oidc/login?returnTo=${encodeURIComponent(options.returnTo ?? "/apps")}`,
    );
    expect(start.status, await start.clone().text()).toBe(302);
    let location = new URL(start.headers.get("location")!);
    if (options.authorize) location = options.authorize(location);
    let callback = new URL(await followAtTestIdp(idp, location.href));
    if (options.callback) callback = options.callback(callback);
    return client.fetch("GET", callback.href);
  }

  const auditOf = async (action: string, reader?: HubClient) => {
    const admin = reader ?? (await t.admin());
    const res = await admin.get<{
      events: { action: string; actor: { name: string | null }; details: Record<string, unknown> }[];
    }>(`/api/admin/audit?action=${action}&limit=500`);
    return res.body.events;
  };

  it("sends the browser to the provider with PKCE S256, state and nonce, and the hub's redirect URI", async () => {
    const client = t.client();
    const start = await client.fetch("GET", "/api/auth/oidc/login?returnTo=/account");
    expect(start.status).toBe(302);
    const url = new URL(start.headers.get("location")!);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get("client_id")).toBe(idp.clientId);
    expect(url.searchParams.get("redirect_uri")).toBe(`${t.url}/api/auth/oidc/callback`);
    expect(url.searchParams.get("scope")).toBe("openid email profile groups");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get("nonce")).toMatch(/^[\w-]{20,}$/);
    // The pending sign-in is a sealed, HttpOnly cookie; neither the verifier nor the return path shows.
    const cookie = start.headers.getSetCookie().find((line) => line.startsWith("gatehouse_oidc="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/api\/auth\/oidc/);
    expect(cookie).not.toContain("account");
  });

  it("creates the user at the first sign-in, with the role the groups map to", async () => {
    const dana = t.client();
    const done = await signIn(dana, "dana@corp.example", { returnTo: "/account" });
    expect(done.status, await done.clone().text()).toBe(302);
    expect(done.headers.get("location")).toBe("/account");
    const me = await dana.get<Me>("/api/me");
    expect(me.body).toMatchObject({
      email: "dana@corp.example",
      role: "admin",
      signedInWith: "oidc",
      roleManagedBy: idp.issuer,
    });
    const user = await database.store.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", me.body.id)
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toBeNull();
    const identity = await database.store.db
      .selectFrom("user_identities")
      .selectAll()
      .where("user_id", "=", me.body.id)
      .executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ issuer: idp.issuer, subject: idp.users.get("dana@corp.example")!.sub });
    // No password to sign in with.
    const withPassword = await t
      .client()
      .post("/api/auth/login", { email: "dana@corp.example", password: "anything" });
    expect(withPassword.status).toBe(401);
    expect((await auditOf("user.created")).some((e) => e.details.password === false)).toBe(true);
    expect(
      (await auditOf("auth.signed_in")).find((e) => e.actor.name === "dana@corp.example")?.details,
    ).toMatchObject({
      method: "oidc",
      issuer: idp.issuer,
    });
  });

  it("takes a role change at the provider at the next sign-in", async () => {
    const first = t.client();
    expect((await signIn(first, "erin@corp.example")).status).toBe(302);
    expect((await first.get<Me>("/api/me")).body.role).toBe("developer");
    idp.users.get("erin@corp.example")!.groups = ["everyone"];
    const second = t.client();
    expect((await signIn(second, "erin@corp.example")).status).toBe(302);
    expect((await second.get<Me>("/api/me")).body.role).toBe("user");
    const changed = (await auditOf("user.role_changed")).find((e) => e.details.by === "identity_provider");
    expect(changed?.details).toMatchObject({ from: "developer", to: "user" });
    // The role is the provider's: the admin API refuses to set it by hand.
    const admin = await t.admin();
    const erin = (await first.get<Me>("/api/me")).body;
    const patched = await admin.patch(`/api/admin/users/${erin.id}`, { role: "admin" });
    expect(patched.status).toBe(409);
    expect((patched.body as { code: string }).code).toBe("role_managed_by_idp");
  });

  it("knows people by (issuer, sub): a changed email is the same user, another account's email is refused", async () => {
    const before = t.client();
    await signIn(before, "gina@corp.example");
    const id = (await before.get<Me>("/api/me")).body.id;
    const gina = idp.users.get("gina@corp.example")!;
    idp.users.delete("gina@corp.example");
    idp.users.set("gina.new@corp.example", { ...gina, email: "gina.new@corp.example" });
    const after = t.client();
    expect((await signIn(after, "gina.new@corp.example")).status).toBe(302);
    expect((await after.get<Me>("/api/me")).body.id).toBe(id);

    // A local account holds frank's email; without GATEHOUSE_OIDC_LINK_BY_EMAIL it is not his.
    await t.hub.services.accounts.createUser({
      email: "frank@corp.example",
      password: "local-password",
      role: "user",
    });
    const frank = t.client();
    const page = await pageOf(await signIn(frank, "frank@corp.example"));
    expect(page).toMatchObject({ status: 409, code: "oidc_email_taken" });
    expect(page.html).toContain("exists already and is not linked");
    expect((await frank.get("/api/me")).status).toBe(401);
    const identities = await database.store.db
      .selectFrom("user_identities")
      .select("subject")
      .where("subject", "=", idp.users.get("frank@corp.example")!.sub)
      .execute();
    expect(identities).toEqual([]);
  });

  it.each([
    [
      "a wrong state",
      { callback: (url: URL) => (url.searchParams.set("state", "forged-state"), url) },
      400,
      "state_invalid",
    ],
    [
      "a wrong nonce",
      { authorize: (url: URL) => (url.searchParams.set("nonce", "someone-elses-nonce"), url) },
      400,
      "invalid_id_token",
    ],
    [
      "a wrong iss in the answer",
      { callback: (url: URL) => (url.searchParams.set("iss", "https://evil.example"), url) },
      400,
      "issuer_mismatch",
    ],
    [
      "no iss though the provider advertises it",
      { callback: (url: URL) => (url.searchParams.delete("iss"), url) },
      400,
      "issuer_mismatch",
    ],
  ] as const)(
    "refuses %s with a readable page, and starts no session",
    async (_what, options, status, code) => {
      const browser = t.client();
      const page = await pageOf(await signIn(browser, "dana@corp.example", options));
      expect(page).toMatchObject({ status, code });
      expect(page.html).toContain("Could not sign in");
      expect(page.html).toContain('href="/login"');
      expect(page.html).not.toMatch(/\s+at .+\.ts:\d+/);
      expect((await browser.get("/api/me")).status).toBe(401);
      expect((await auditOf("auth.sign_in_failed")).some((e) => e.details.reason === code)).toBe(true);
    },
  );

  it.each([
    ["issued by another issuer", { iss: "https://evil.example" }, "iss"],
    ["issued to another client (audience)", { aud: "some-other-client" }, "aud"],
    ["expired", { exp: Math.floor(Date.now() / 1000) - 3600 }, "exp"],
  ])("refuses an ID token %s, validly signed, with a readable page", async (_what, patch, claim) => {
    idp.tamperIdToken(patch);
    try {
      const browser = t.client();
      const page = await pageOf(await signIn(browser, "dana@corp.example"));
      expect(page).toMatchObject({ status: 400, code: "invalid_id_token" });
      expect((await browser.get("/api/me")).status).toBe(401);
      const failed = (await auditOf("auth.sign_in_failed")).filter(
        (e) => e.details.reason === "invalid_id_token",
      );
      expect(failed.length).toBeGreaterThan(0);
      void claim;
    } finally {
      idp.tamperIdToken(null);
    }
  });

  it("refuses an answer brought to another browser than the one that started the sign-in", async () => {
    idp.signInAs("dana@corp.example");
    const victim = t.client();
    const start = await victim.fetch("GET", "/api/auth/oidc/login");
    const callback = await followAtTestIdp(idp, start.headers.get("location")!);
    // The attacker's browser has no pending sign-in cookie for this state (login CSRF, session swap).
    const attacker = t.client();
    const page = await pageOf(await attacker.fetch("GET", callback));
    expect(page).toMatchObject({ status: 400, code: "state_invalid" });
    // Nor is a return path outside the hub ever followed.
    const evil = t.client();
    const done = await signIn(evil, "dana@corp.example", { returnTo: "/.//evil.example/x" });
    expect(done.headers.get("location")).toBe("/");
  });

  it("refuses Entra ID's group overage (groups sent as a link) instead of guessing a role", async () => {
    idp.tamperIdToken({
      groups: undefined,
      _claim_names: { groups: "src1" },
      _claim_sources: { src1: { endpoint: "https://graph.example/x" } },
    });
    try {
      const page = await pageOf(await signIn(t.client(), "dana@corp.example"));
      expect(page).toMatchObject({ status: 400, code: "oidc_groups_overage" });
      expect(page.html).toContain("as a link instead of a list");
    } finally {
      idp.tamperIdToken(null);
    }
  });

  it("never demotes the last admin at a sign-in: it is refused, explained and audited", async () => {
    const dana = t.client();
    await signIn(dana, "dana@corp.example");
    const admin = await t.hub.services.accounts.findByEmail(TEST_ADMIN.email);
    // Dana disables the hub's other admin: she is the last one.
    expect((await dana.patch(`/api/admin/users/${admin!.id}`, { disabled: true })).status).toBe(200);
    idp.users.get("dana@corp.example")!.groups = ["everyone"];
    const again = t.client();
    const page = await pageOf(await signIn(again, "dana@corp.example"));
    expect(page).toMatchObject({ status: 409, code: "last_admin" });
    expect(page.html).toContain("without an admin who can sign in");
    expect((await dana.get<Me>("/api/me")).body.role).toBe("admin");
    expect((await auditOf("auth.sign_in_failed", dana)).some((e) => e.details.reason === "last_admin")).toBe(
      true,
    );
    // With another admin back, the provider's word applies.
    expect((await dana.patch(`/api/admin/users/${admin!.id}`, { disabled: false })).status).toBe(200);
    const third = t.client();
    expect((await signIn(third, "dana@corp.example")).status).toBe(302);
    expect((await third.get<Me>("/api/me")).body.role).toBe("user");
    idp.users.get("dana@corp.example")!.groups = ["gatehouse-admins"];
  });

  it("refuses a disabled user", async () => {
    const erin = await t.hub.services.accounts.findByEmail("erin@corp.example");
    const admin = await t.admin();
    expect((await admin.patch(`/api/admin/users/${erin!.id}`, { disabled: true })).status).toBe(200);
    const page = await pageOf(await signIn(t.client(), "erin@corp.example"));
    expect(page).toMatchObject({ status: 403, code: "account_disabled" });
    await admin.patch(`/api/admin/users/${erin!.id}`, { disabled: false });
  });

  it("signs out at the provider too (RP-initiated logout), without passing the URL on as a Referer", async () => {
    const dana = t.client();
    await signIn(dana, "dana@corp.example");
    // The session keeps its ID token sealed (for this logout), never as text.
    const sealed = await database.store.db
      .selectFrom("sessions")
      .select(["id_token_enc", "key_id"])
      .execute();
    expect(sealed.some((row) => row.id_token_enc?.startsWith("v1.") && row.key_id)).toBe(true);
    expect(JSON.stringify(sealed)).not.toMatch(/eyJ/);
    // As a browser's form post (Accept: text/html): a 303 to the provider.
    const res = await dana.fetch("POST", "/api/auth/oidc/logout", {
      raw: "",
      contentType: "application/x-www-form-urlencoded",
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${idp.issuer}/session/end`);
    expect(location.searchParams.get("client_id")).toBe(idp.clientId);
    expect(location.searchParams.get("post_logout_redirect_uri")).toBe(`${t.url}/login`);
    const hint = location.searchParams.get("id_token_hint");
    expect(hint).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await dana.get("/api/me")).status).toBe(401);
    // The provider takes it (oidc-provider asks the person to confirm).
    const ended = await fetch(location, { redirect: "manual" });
    expect(ended.status).toBe(200);
    expect(idp.endSessions.at(-1)).toMatchObject({ id_token_hint: hint, client_id: idp.clientId });
    // A password session signs out at the hub only.
    const alice = await t.signIn("alice@example.com");
    const local = await alice.fetch("POST", "/api/auth/oidc/logout", {
      raw: "",
      contentType: "application/x-www-form-urlencoded",
      headers: { accept: "text/html" },
    });
    expect(local.status).toBe(303);
    expect(local.headers.get("location")).toBe("/login");
    // The web UI asks by fetch (its CSP lets forms post to the hub only) and navigates to the answer.
    const erin = t.client();
    await signIn(erin, "erin@corp.example");
    const asked = await erin.post<{ location: string }>("/api/auth/oidc/logout", {});
    expect(asked.status).toBe(200);
    expect(asked.headers.get("cache-control")).toBe("no-store");
    expect(new URL(asked.body.location).pathname).toBe("/session/end");
    expect((await erin.get("/api/me")).status).toBe(401);
  });
});

forEachDatabase("sign-in settings: passwords off, linking by verified email", (_getStore, database) => {
  let idp: TestIdp;
  let t: TestHub;
  beforeAll(async () => {
    idp = await startTestIdp({
      users: [
        { email: "alice@example.com", groups: ["engineers"] },
        { email: "bob@example.com", groups: [], emailVerified: false },
      ],
    });
    t = await startTestHub({
      store: database.store,
      emulators: false,
      config: {
        oidc: oidcConfig(idp, { linkByEmail: true }),
        localLogin: false,
        adminEmail: TEST_ADMIN.email,
      },
    });
    idp.setRedirectUris([`${t.url}/api/auth/oidc/callback`]);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it("refuses passwords except the bootstrap admin's, and tells the sign-in page so", async () => {
    const methods = await t.client().get("/api/auth/methods");
    expect(methods.body).toEqual({
      password: false,
      oidc: { name: "Corp SSO", loginUrl: "/api/auth/oidc/login" },
    });
    for (const password of ["sandbox", "wrong"]) {
      const res = await t.client().post("/api/auth/login", { email: "alice@example.com", password });
      expect(res.status).toBe(403);
      expect((res.body as { code: string }).code).toBe("local_login_disabled");
    }
    expect((await t.client().post("/api/auth/login", TEST_ADMIN)).status).toBe(204);
  });

  it("links an existing user by a verified email, and refuses an unverified one", async () => {
    const local = await t.hub.services.accounts.findByEmail("alice@example.com");
    idp.signInAs("alice@example.com");
    const alice = t.client();
    const start = await alice.fetch("GET", "/api/auth/oidc/login");
    expect(
      (await alice.fetch("GET", await followAtTestIdp(idp, start.headers.get("location")!))).status,
    ).toBe(302);
    const me = await alice.get<Me>("/api/me");
    expect(me.body).toMatchObject({ id: local!.id, role: "developer", signedInWith: "oidc" });

    idp.signInAs("bob@example.com");
    const bob = t.client();
    const bobStart = await bob.fetch("GET", "/api/auth/oidc/login");
    const page = await pageOf(
      await bob.fetch("GET", await followAtTestIdp(idp, bobStart.headers.get("location")!)),
    );
    expect(page).toMatchObject({ status: 409, code: "oidc_email_taken" });
    expect(page.html).toContain("does not say the email is verified");
  });
});
