// What the hub refuses at a sign-in through an OpenID provider, each with its readable error page and no
// session: a wrong state, nonce or issuer, an ID token for someone else or expired, an answer brought to
// another browser, and Entra ID's group overage.
import { expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { useOidcHub } from "../helpers/oidcHub.ts";
import { pageOf } from "../helpers/problems.ts";
import { followAtTestIdp } from "../helpers/testIdp.ts";

forEachDatabase("sign-in refusals", (_getStore, database) => {
  const oidc = useOidcHub(database, [
    { email: "dana@corp.example", groups: ["gatehouse-admins", "everyone"] },
  ]);

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
      const browser = oidc.t.client();
      const page = await pageOf(await oidc.signIn(browser, "dana@corp.example", options));
      expect(page).toMatchObject({ status, code });
      expect(page.html).toContain("Could not sign in");
      expect(page.html).toContain('href="/login"');
      expect(page.html).not.toMatch(/\s+at .+\.ts:\d+/);
      expect((await browser.get("/api/me")).status).toBe(401);
      expect((await oidc.audit("auth.sign_in_failed")).some((e) => e.details.reason === code)).toBe(true);
    },
  );

  it.each([
    ["issued by another issuer", { iss: "https://evil.example" }, "iss"],
    ["issued to another client (audience)", { aud: "some-other-client" }, "aud"],
    ["expired", { exp: Math.floor(Date.now() / 1000) - 3600 }, "exp"],
  ])("refuses an ID token %s, validly signed, with a readable page", async (_what, patch, claim) => {
    oidc.idp.tamperIdToken(patch);
    try {
      const browser = oidc.t.client();
      const page = await pageOf(await oidc.signIn(browser, "dana@corp.example"));
      expect(page).toMatchObject({ status: 400, code: "invalid_id_token" });
      expect((await browser.get("/api/me")).status).toBe(401);
      const failed = (await oidc.audit("auth.sign_in_failed")).filter(
        (e) => e.details.reason === "invalid_id_token",
      );
      expect(failed.length).toBeGreaterThan(0);
      void claim;
    } finally {
      oidc.idp.tamperIdToken(null);
    }
  });

  it("refuses an answer brought to another browser than the one that started the sign-in", async () => {
    oidc.idp.signInAs("dana@corp.example");
    const victim = oidc.t.client();
    const start = await victim.fetch("GET", "/api/auth/oidc/login");
    const callback = await followAtTestIdp(oidc.idp, start.headers.get("location")!);
    // The attacker's browser has no pending sign-in cookie for this state (login CSRF, session swap).
    const attacker = oidc.t.client();
    const page = await pageOf(await attacker.fetch("GET", callback));
    expect(page).toMatchObject({ status: 400, code: "state_invalid" });
    // Nor is a return path outside the hub ever followed.
    const evil = oidc.t.client();
    const done = await oidc.signIn(evil, "dana@corp.example", { returnTo: "/.//evil.example/x" });
    expect(done.headers.get("location")).toBe("/");
  });

  it("refuses Entra ID's group overage (groups sent as a link) instead of guessing a role", async () => {
    oidc.idp.tamperIdToken({
      groups: undefined,
      _claim_names: { groups: "src1" },
      _claim_sources: { src1: { endpoint: "https://graph.example/x" } },
    });
    try {
      const page = await pageOf(await oidc.signIn(oidc.t.client(), "dana@corp.example"));
      expect(page).toMatchObject({ status: 400, code: "oidc_groups_overage" });
      expect(page.html).toContain("as a link instead of a list");
    } finally {
      oidc.idp.tamperIdToken(null);
    }
  });
});
