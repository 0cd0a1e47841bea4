// The hub's sign-in settings with an OpenID provider: passwords off (but for the bootstrap admin), and
// linking an existing user by an email the provider says is verified.
import { expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { TEST_ADMIN } from "../helpers/hub.ts";
import { useOidcHub, type Me } from "../helpers/oidcHub.ts";
import { pageOf } from "../helpers/problems.ts";
import { followAtTestIdp } from "../helpers/testIdp.ts";

forEachDatabase("sign-in settings: passwords off, linking by verified email", (_getStore, database) => {
  const oidc = useOidcHub(
    database,
    [
      { email: "alice@example.com", groups: ["engineers"] },
      { email: "bob@example.com", groups: [], emailVerified: false },
    ],
    { oidc: { linkByEmail: true }, config: { localLogin: false, adminEmail: TEST_ADMIN.email } },
  );

  it("refuses passwords except the bootstrap admin's, and tells the sign-in page so", async () => {
    const methods = await oidc.t.client().get("/api/auth/methods");
    expect(methods.body).toEqual({
      password: false,
      oidc: { name: "Corp SSO", loginUrl: "/api/auth/oidc/login" },
    });
    for (const password of ["sandbox", "wrong"]) {
      const res = await oidc.t.client().post("/api/auth/login", { email: "alice@example.com", password });
      expect(res.status).toBe(403);
      expect((res.body as { code: string }).code).toBe("local_login_disabled");
    }
    expect((await oidc.t.client().post("/api/auth/login", TEST_ADMIN)).status).toBe(204);
  });

  it("links an existing user by a verified email, and refuses an unverified one", async () => {
    const local = await oidc.t.hub.services.accounts.findByEmail("alice@example.com");
    oidc.idp.signInAs("alice@example.com");
    const alice = oidc.t.client();
    const start = await alice.fetch("GET", "/api/auth/oidc/login");
    expect(
      (await alice.fetch("GET", await followAtTestIdp(oidc.idp, start.headers.get("location")!))).status,
    ).toBe(302);
    const me = await alice.get<Me>("/api/me");
    expect(me.body).toMatchObject({ id: local!.id, role: "developer", signedInWith: "oidc" });

    oidc.idp.signInAs("bob@example.com");
    const bob = oidc.t.client();
    const bobStart = await bob.fetch("GET", "/api/auth/oidc/login");
    const page = await pageOf(
      await bob.fetch("GET", await followAtTestIdp(oidc.idp, bobStart.headers.get("location")!)),
    );
    expect(page).toMatchObject({ status: 409, code: "oidc_email_taken" });
    expect(page.html).toContain("does not say the email is verified");
  });
});
