// "Sign in with Bentley (sandbox)" in real Chromium: the sign-in page offers the identity provider beside
// the password form, the browser goes to the Bentley emulator and back, alice keeps her account and role
// (linked by her verified email), and signing out ends the session at the emulator too (RP-initiated logout).
import { describe, expect, it } from "vitest";
import { hubProblems, screenshot, signInAtEmulator } from "../helpers/chromium.ts";
import { ALICE } from "../helpers/hub.ts";
import { useHubInBrowser } from "../helpers/hubInBrowser.ts";

describe("sign-in through the sandbox's identity provider", () => {
  const ui = useHubInBrowser({ appsDirs: [], sandboxSignIn: true });

  it("signs alice in at the Bentley emulator and brings her back where she was going", async () => {
    // Where a signed-out visitor to /account lands.
    await ui.page.goto("/login?next=%2Faccount");
    const button = ui.page.getByRole("link", { name: "Sign in with Bentley (sandbox)" });
    await button.waitFor();
    expect(await ui.page.getByLabel("Email").count()).toBe(1); // passwords stay on in the sandbox
    await screenshot(ui.page, "sign-in-with-provider");
    await button.click();
    await signInAtEmulator(ui.page, ui.hub.url, ALICE, "/account");
    await ui.page.getByRole("heading", { name: "Personal access tokens" }).waitFor();
    expect(await ui.page.locator(".who").textContent()).toContain("alice@example.com");
    const me = (await (await ui.context.request.get("/api/me")).json()) as unknown;
    expect(me).toMatchObject({ email: "alice@example.com", role: "developer", signedInWith: "oidc" });
  });

  it("signs out at the hub and at the emulator", async () => {
    await ui.page.getByRole("button", { name: "Sign out" }).click();
    // The emulator (oidc-provider) asks before it ends its own session, then sends the browser back.
    await ui.page.waitForURL((url) => url.origin === ui.hub.emulators!.bentley.url);
    await ui.page.getByRole("button", { name: /sign me out/i }).click();
    await ui.page.waitForURL((url) => url.origin === new URL(ui.hub.url).origin && url.pathname === "/login");
    await ui.page.getByRole("heading", { name: "Sign in to Gatehouse" }).waitFor();
    expect((await ui.context.request.get("/api/me")).status()).toBe(401);
    // The emulator forgot her too: signing in again asks for her password.
    await ui.page.getByRole("link", { name: "Sign in with Bentley (sandbox)" }).click();
    await ui.page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(new URL(ui.page.url()).origin).toBe(ui.hub.emulators!.bentley.url);
  });

  it("logged no console errors", () => {
    // oidc-provider's own logout page (the emulator's, not the hub's) links a web font this machine cannot reach.
    const ours = hubProblems(ui.problems, ui.hub.url).filter(
      (p) => !p.url.startsWith("https://fonts.googleapis.com/"),
    );
    expect(ours).toEqual([]);
  });
});
