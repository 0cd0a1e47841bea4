// The sandbox's sign-in: the Bentley emulator is the identity provider too ("Sign in with Bentley
// (sandbox)"). IMS sends no groups claim, so roles come from the verified email claim, which the emulator
// releases at its userinfo endpoint; the demo users already exist in the hub and are linked by that email.
import { expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { signInAtEmulator } from "../helpers/browser.ts";
import { DEMO_PASSWORD, type HubClient } from "../helpers/hub.ts";
import { useTestHub } from "../helpers/suiteHub.ts";
import type { Me } from "../helpers/oidcHub.ts";

forEachDatabase("sign-in with Bentley (sandbox)", (_getStore, database) => {
  const t = useTestHub(() => ({ store: database.store, sandboxSignIn: true }));

  async function signIn(email: string): Promise<{ client: HubClient; done: Response }> {
    const client = t().client();
    const start = await client.fetch("GET", "/api/auth/oidc/login?returnTo=/apps");
    expect(start.status, await start.clone().text()).toBe(302);
    const location = start.headers.get("location")!;
    expect(location.startsWith(`${t().emulators!.bentley.url}/connect/authorize?`)).toBe(true);
    const { finalUrl } = await signInAtEmulator(location, { email, password: DEMO_PASSWORD });
    return { client, done: await client.fetch("GET", finalUrl) };
  }

  it("offers the emulator on the sign-in page", async () => {
    const methods = await t().client().get("/api/auth/methods");
    expect(methods.body).toEqual({
      password: true,
      oidc: { name: "Bentley (sandbox)", loginUrl: "/api/auth/oidc/login" },
    });
  });

  it("links alice's demo account by her verified email and keeps her developer role", async () => {
    const local = await t().hub.services.accounts.findByEmail("alice@example.com");
    const { client, done } = await signIn("alice@example.com");
    expect(done.status, await done.clone().text()).toBe(302);
    expect(done.headers.get("location")).toBe("/apps");
    const me = await client.get<Me>("/api/me");
    expect(me.body).toMatchObject({
      id: local!.id,
      email: "alice@example.com",
      role: "developer",
      signedInWith: "oidc",
      roleManagedBy: t().emulators!.bentley.url,
    });
    // Her password still works: the sandbox keeps local sign-in on.
    expect((await t().signIn("alice@example.com")).jar.get("gatehouse_session")).toBeTruthy();
  });

  it("gives bob and carol the user role, the email claim mapping nothing else", async () => {
    for (const email of ["bob@example.com", "carol@example.com"]) {
      const { client, done } = await signIn(email);
      expect(done.status).toBe(302);
      expect((await client.get<Me>("/api/me")).body).toMatchObject({
        email,
        role: "user",
        signedInWith: "oidc",
      });
    }
    const admin = await t().admin();
    const audit = await admin.get<{ events: { actor: { name: string | null } }[] }>(
      "/api/admin/audit?action=auth.signed_in",
    );
    expect(audit.body.events.map((e) => e.actor.name)).toEqual(
      expect.arrayContaining(["alice@example.com", "bob@example.com", "carol@example.com"]),
    );
  });
});
