// Issue 12's pages in real Chromium: an admin creates a scoped, expiring token on the Access tokens page and
// revokes it; on the Users page changes a role, disables and enables a user, resets a local password, lists
// and revokes another user's token, deletes a user after a confirmation, and is refused disabling the last
// admin; the Audit page shows those changes and filters them.
import { describe, expect, it } from "vitest";
import { hubProblems, screenshot, signInThroughUi } from "../helpers/chromium.ts";
import { TEST_ADMIN, type HubClient } from "../helpers/hub.ts";
import { useHubInBrowser } from "../helpers/hubInBrowser.ts";

interface Problem {
  code?: string;
}

describe("identity and access pages", () => {
  const ui = useHubInBrowser({ appsDirs: [] });

  it("creates a token with an expiry, one scope and one app, shows it once, and revokes it", async () => {
    await signInThroughUi(ui.page, TEST_ADMIN.email, TEST_ADMIN.password);
    await ui.page.getByRole("link", { name: "Account" }).click();
    await ui.page.getByRole("heading", { name: "Personal access tokens" }).waitFor();
    const form = ui.page.getByRole("form", { name: "Create a token" });
    await form.getByLabel("Token name").fill("ci-runner");
    await form.getByLabel("Expires after").selectOption("30");
    await form.getByRole("checkbox", { name: /apps:run/ }).uncheck();
    expect(await form.getByRole("checkbox", { name: /admin/ }).isChecked()).toBe(false);
    await form.getByLabel("Only these apps (optional)").fill("itwin-browser");
    await form.getByRole("button", { name: "Create token" }).click();
    const token = await ui.page.getByLabel(/Your new token “ci-runner”/).inputValue();
    expect(token.length).toBeGreaterThan(20);
    const row = ui.page.getByRole("row", { name: /ci-runner/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("tokens:read");
    expect(await row.textContent()).not.toContain("apps:run");
    expect(await row.textContent()).toContain("itwin-browser");
    expect(await row.textContent()).toContain("Never");
    await screenshot(ui.page, "identity-access-tokens");

    const bearer = ui.hub.client();
    bearer.bearer = token;
    const me = await bearer.get<{ token: { scopes: string[]; apps: string[]; expiresAt: string } }>(
      "/api/me",
    );
    expect(me.status).toBe(200);
    expect(me.body.token).toMatchObject({ scopes: ["tokens:read"], apps: ["itwin-browser"] });
    const days = (Date.parse(me.body.token.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThanOrEqual(30);
    // An admin's token without the admin scope is no admin.
    const admin = await bearer.get<Problem>("/api/admin/users");
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe("insufficient_scope");

    await ui.page.getByRole("button", { name: "Revoke token ci-runner" }).click();
    await expect.poll(() => ui.page.getByRole("row", { name: /ci-runner/ }).count()).toBe(0);
    expect(await ui.page.getByLabel(/Your new token/).count()).toBe(0);
    const revoked = await bearer.get<Problem>("/api/me");
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe("token_revoked");
  });

  it("changes a role, disables and enables a user, and resets a local password", async () => {
    const alice: HubClient = await ui.hub.signIn("alice@example.com");
    await ui.page.getByRole("link", { name: "Users" }).click();
    await ui.page.getByRole("heading", { name: "Hub users" }).waitFor();
    const people = ui.page.getByRole("table", { name: "Hub users" });

    await people.getByLabel("Role of alice@example.com").selectOption("user");
    await expect.poll(async () => (await alice.get<{ role: string }>("/api/me")).body.role).toBe("user");

    await people.getByRole("button", { name: "Disable alice@example.com" }).click();
    await people.getByRole("button", { name: "Enable alice@example.com" }).waitFor();
    expect(await people.getByRole("row", { name: /^alice@example\.com/ }).textContent()).toContain(
      "Disabled",
    );
    // Her session ended with it; enabling does not bring it back.
    expect((await alice.get("/api/me")).status).toBe(401);
    await people.getByRole("button", { name: "Enable alice@example.com" }).click();
    await people.getByRole("button", { name: "Disable alice@example.com" }).waitFor();
    expect((await alice.get("/api/me")).status).toBe(401);

    await people.getByRole("button", { name: "Reset password of alice@example.com" }).click();
    const shown = await people.getByLabel("New password of alice@example.com").textContent();
    expect(shown!.length).toBeGreaterThanOrEqual(16);
    await screenshot(ui.page, "identity-users");
    expect(
      (await ui.hub.client().post("/api/auth/login", { email: "alice@example.com", password: "sandbox" }))
        .status,
    ).toBe(401);
    const again = await ui.hub.signIn("alice@example.com", shown!);
    expect((await again.get("/api/me")).status).toBe(200);
  });

  it("lists and revokes another user's token, and refuses to disable the last admin", async () => {
    const bob = await ui.hub.signIn("bob@example.com");
    const created = await bob.post<{ token: string }>("/api/me/tokens", { name: "bobs-script" });
    expect(created.status).toBe(201);
    const people = ui.page.getByRole("table", { name: "Hub users" });
    await people.getByRole("button", { name: "Tokens of bob@example.com" }).click();
    const tokens = ui.page.getByRole("table", { name: "Tokens of bob@example.com" });
    await tokens.getByRole("row", { name: /bobs-script/ }).waitFor();
    await tokens.getByRole("button", { name: "Revoke token bobs-script" }).click();
    await ui.page.getByText("bob@example.com has no tokens.").waitFor();
    const script = ui.hub.client();
    script.bearer = created.body.token;
    expect((await script.get("/api/me")).status).toBe(401);

    // The only admin cannot be disabled, demoted or deleted: the page does not offer it, the API refuses it.
    expect(await people.getByRole("button", { name: `Disable ${TEST_ADMIN.email}` }).isDisabled()).toBe(true);
    expect(await people.getByRole("button", { name: `Delete ${TEST_ADMIN.email}` }).isDisabled()).toBe(true);
    expect(await people.getByLabel(`Role of ${TEST_ADMIN.email}`).isDisabled()).toBe(true);
    await people.getByText("The only admin: make another user an admin").waitFor();
    const admin = await ui.hub.admin();
    const me = await admin.get<{ id: string }>("/api/me");
    const refused = await admin.patch<Problem>(`/api/admin/users/${me.body.id}`, { disabled: true });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("last_admin");
  });

  it("deletes a user only after a confirmation", async () => {
    const people = ui.page.getByRole("table", { name: "Hub users" });
    await people.getByRole("button", { name: "Delete carol@example.com" }).click();
    const dialog = ui.page.getByRole("dialog", { name: "Delete carol@example.com?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await people.getByRole("row", { name: /^carol@example\.com/ }).count()).toBe(1);
    await people.getByRole("button", { name: "Delete carol@example.com" }).click();
    await dialog.getByRole("button", { name: "Delete user" }).click();
    await expect.poll(() => people.getByRole("row", { name: /^carol@example\.com/ }).count()).toBe(0);
    expect(await ui.hub.hub.services.accounts.findByEmail("carol@example.com")).toBeNull();
  });

  it("shows the audit trail and filters it by action and actor", async () => {
    await ui.page.getByRole("link", { name: "Audit" }).click();
    await ui.page.getByRole("heading", { name: "Audit trail" }).waitFor();
    const events = ui.page.getByRole("table", { name: "Audit events" });
    await events.getByRole("row", { name: /user\.deleted/ }).waitFor();
    for (const action of [
      "pat.created",
      "pat.revoked",
      "user.role_changed",
      "user.disabled",
      "user.password_reset",
    ]) {
      expect(
        await events.getByRole("row", { name: new RegExp(action.replace(".", "\\.")) }).count(),
      ).toBeGreaterThan(0);
    }
    expect(await events.textContent()).toContain("carol@example.com");
    await screenshot(ui.page, "identity-audit");

    await ui.page.getByLabel("Action").selectOption("user.disabled");
    await ui.page.getByRole("button", { name: "Show" }).click();
    await expect
      .poll(async () =>
        (await events.getByRole("row").allTextContents()).slice(1).every((t) => t.includes("user.disabled")),
      )
      .toBe(true);
    const disabled = await events.getByRole("row").count();
    expect(disabled).toBe(2); // the heading row and alice's

    await ui.page.getByLabel("Action").selectOption("");
    await ui.page.getByLabel("Actor").fill("bob@example.com");
    await ui.page.getByRole("button", { name: "Show" }).click();
    await expect
      .poll(async () =>
        (await events.getByRole("row").allTextContents())
          .slice(1)
          .every((t) => t.includes("bob@example.com")),
      )
      .toBe(true);
    expect(await events.getByRole("row", { name: /pat\.created/ }).count()).toBe(1);
  });

  it("logged no console errors", () => {
    expect(hubProblems(ui.problems, ui.hub.url)).toEqual([]);
  });
});
