// Sign-in through an OpenID provider (issue 12), against a second, independent provider started here (its
// own oidc-provider, users and a groups claim): first sign-in creates the user with the mapped role, a role
// change at the provider takes effect at the next sign-in, users are (issuer, sub), the last admin is never
// demoted, a disabled user is refused, and logout reaches the provider.
import { expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { TEST_ADMIN, type HubClient } from "../helpers/hub.ts";
import { useOidcHub, type Me } from "../helpers/oidcHub.ts";
import { pageOf } from "../helpers/problems.ts";

/** The sign-out button's form post, as a browser sends it with `accept`. */
const postSignOutForm = (client: HubClient, accept: string) =>
  client.fetch("POST", "/api/auth/oidc/logout", {
    raw: "",
    contentType: "application/x-www-form-urlencoded",
    headers: { accept },
  });

forEachDatabase("sign-in with a second OpenID provider", (_getStore, database) => {
  const oidc = useOidcHub(database, [
    { email: "dana@corp.example", groups: ["gatehouse-admins", "everyone"] },
    { email: "erin@corp.example", groups: ["engineers"] },
    { email: "frank@corp.example", groups: [] },
    { email: "gina@corp.example", groups: ["engineers"] },
  ]);

  it("sends the browser to the provider with PKCE S256, state and nonce, and the hub's redirect URI", async () => {
    const client = oidc.t.client();
    const start = await client.fetch("GET", "/api/auth/oidc/login?returnTo=/account");
    expect(start.status).toBe(302);
    const url = new URL(start.headers.get("location")!);
    expect(url.origin).toBe(oidc.idp.issuer);
    expect(url.searchParams.get("client_id")).toBe(oidc.idp.clientId);
    expect(url.searchParams.get("redirect_uri")).toBe(`${oidc.t.url}/api/auth/oidc/callback`);
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
    const dana = oidc.t.client();
    const done = await oidc.signIn(dana, "dana@corp.example", { returnTo: "/account" });
    expect(done.status, await done.clone().text()).toBe(302);
    expect(done.headers.get("location")).toBe("/account");
    const me = await dana.get<Me>("/api/me");
    expect(me.body).toMatchObject({
      email: "dana@corp.example",
      role: "admin",
      signedInWith: "oidc",
      roleManagedBy: oidc.idp.issuer,
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
    expect(identity).toMatchObject({
      issuer: oidc.idp.issuer,
      subject: oidc.idp.users.get("dana@corp.example")!.sub,
    });
    // No password to sign in with.
    const withPassword = await oidc.t
      .client()
      .post("/api/auth/login", { email: "dana@corp.example", password: "anything" });
    expect(withPassword.status).toBe(401);
    expect((await oidc.audit("user.created")).some((e) => e.details.password === false)).toBe(true);
    expect(
      (await oidc.audit("auth.signed_in")).find((e) => e.actor.name === "dana@corp.example")?.details,
    ).toMatchObject({
      method: "oidc",
      issuer: oidc.idp.issuer,
    });
  });

  it("takes a role change at the provider at the next sign-in", async () => {
    const first = oidc.t.client();
    expect((await oidc.signIn(first, "erin@corp.example")).status).toBe(302);
    expect((await first.get<Me>("/api/me")).body.role).toBe("developer");
    oidc.idp.users.get("erin@corp.example")!.groups = ["everyone"];
    const second = oidc.t.client();
    expect((await oidc.signIn(second, "erin@corp.example")).status).toBe(302);
    expect((await second.get<Me>("/api/me")).body.role).toBe("user");
    const changed = (await oidc.audit("user.role_changed")).find((e) => e.details.by === "identity_provider");
    expect(changed?.details).toMatchObject({ from: "developer", to: "user" });
    // The role is the provider's: the admin API refuses to set it by hand.
    const admin = await oidc.t.admin();
    const erin = (await first.get<Me>("/api/me")).body;
    const patched = await admin.patch(`/api/admin/users/${erin.id}`, { role: "admin" });
    expect(patched.status).toBe(409);
    expect((patched.body as { code: string }).code).toBe("role_managed_by_idp");
  });

  it("knows people by (issuer, sub): a changed email is the same user, another account's email is refused", async () => {
    const before = oidc.t.client();
    await oidc.signIn(before, "gina@corp.example");
    const id = (await before.get<Me>("/api/me")).body.id;
    const gina = oidc.idp.users.get("gina@corp.example")!;
    oidc.idp.users.delete("gina@corp.example");
    oidc.idp.users.set("gina.new@corp.example", { ...gina, email: "gina.new@corp.example" });
    const after = oidc.t.client();
    expect((await oidc.signIn(after, "gina.new@corp.example")).status).toBe(302);
    expect((await after.get<Me>("/api/me")).body.id).toBe(id);

    // A local account holds frank's email; without GATEHOUSE_OIDC_LINK_BY_EMAIL it is not his.
    await oidc.t.hub.services.accounts.createUser({
      email: "frank@corp.example",
      password: "local-password",
      role: "user",
    });
    const frank = oidc.t.client();
    const page = await pageOf(await oidc.signIn(frank, "frank@corp.example"));
    expect(page).toMatchObject({ status: 409, code: "oidc_email_taken" });
    expect(page.html).toContain("exists already and is not linked");
    expect((await frank.get("/api/me")).status).toBe(401);
    const identities = await database.store.db
      .selectFrom("user_identities")
      .select("subject")
      .where("subject", "=", oidc.idp.users.get("frank@corp.example")!.sub)
      .execute();
    expect(identities).toEqual([]);
  });

  it("never demotes the last admin at a sign-in: it is refused, explained and audited", async () => {
    const dana = oidc.t.client();
    await oidc.signIn(dana, "dana@corp.example");
    const admin = await oidc.t.hub.services.accounts.findByEmail(TEST_ADMIN.email);
    // Dana disables the hub's other admin: she is the last one.
    expect((await dana.patch(`/api/admin/users/${admin!.id}`, { disabled: true })).status).toBe(200);
    oidc.idp.users.get("dana@corp.example")!.groups = ["everyone"];
    const again = oidc.t.client();
    const page = await pageOf(await oidc.signIn(again, "dana@corp.example"));
    expect(page).toMatchObject({ status: 409, code: "last_admin" });
    expect(page.html).toContain("without an admin who can sign in");
    expect((await dana.get<Me>("/api/me")).body.role).toBe("admin");
    expect(
      (await oidc.audit("auth.sign_in_failed", dana)).some((e) => e.details.reason === "last_admin"),
    ).toBe(true);
    // With another admin back, the provider's word applies.
    expect((await dana.patch(`/api/admin/users/${admin!.id}`, { disabled: false })).status).toBe(200);
    const third = oidc.t.client();
    expect((await oidc.signIn(third, "dana@corp.example")).status).toBe(302);
    expect((await third.get<Me>("/api/me")).body.role).toBe("user");
    oidc.idp.users.get("dana@corp.example")!.groups = ["gatehouse-admins"];
  });

  it("refuses a disabled user", async () => {
    const erin = await oidc.t.hub.services.accounts.findByEmail("erin@corp.example");
    const admin = await oidc.t.admin();
    expect((await admin.patch(`/api/admin/users/${erin!.id}`, { disabled: true })).status).toBe(200);
    const page = await pageOf(await oidc.signIn(oidc.t.client(), "erin@corp.example"));
    expect(page).toMatchObject({ status: 403, code: "account_disabled" });
    await admin.patch(`/api/admin/users/${erin!.id}`, { disabled: false });
  });

  it("signs out at the provider too (RP-initiated logout), without passing the URL on as a Referer", async () => {
    const dana = oidc.t.client();
    await oidc.signIn(dana, "dana@corp.example");
    // The session keeps its ID token sealed (for this logout), never as text.
    const sealed = await database.store.db
      .selectFrom("sessions")
      .select(["id_token_enc", "key_id"])
      .execute();
    expect(sealed.some((row) => row.id_token_enc?.startsWith("v1.") && row.key_id)).toBe(true);
    expect(JSON.stringify(sealed)).not.toMatch(/eyJ/);
    // As a browser's form post (Accept: text/html): a 303 to the provider.
    const res = await postSignOutForm(dana, "text/html,application/xhtml+xml,*/*;q=0.8");
    expect(res.status).toBe(303);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${oidc.idp.issuer}/session/end`);
    expect(location.searchParams.get("client_id")).toBe(oidc.idp.clientId);
    expect(location.searchParams.get("post_logout_redirect_uri")).toBe(`${oidc.t.url}/login`);
    const hint = location.searchParams.get("id_token_hint");
    expect(hint).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await dana.get("/api/me")).status).toBe(401);
    // The provider takes it (oidc-provider asks the person to confirm).
    const ended = await fetch(location, { redirect: "manual" });
    expect(ended.status).toBe(200);
    expect(oidc.idp.endSessions.at(-1)).toMatchObject({ id_token_hint: hint, client_id: oidc.idp.clientId });
    // A password session signs out at the hub only.
    const alice = await oidc.t.signIn("alice@example.com");
    const local = await postSignOutForm(alice, "text/html");
    expect(local.status).toBe(303);
    expect(local.headers.get("location")).toBe("/login");
    // The web UI asks by fetch (its CSP lets forms post to the hub only) and navigates to the answer.
    const erin = oidc.t.client();
    await oidc.signIn(erin, "erin@corp.example");
    const asked = await erin.post<{ location: string }>("/api/auth/oidc/logout", {});
    expect(asked.status).toBe(200);
    expect(asked.headers.get("cache-control")).toBe("no-store");
    expect(new URL(asked.body.location).pathname).toBe("/session/end");
    expect((await erin.get("/api/me")).status).toBe(401);
  });
});
