// Admins see, on the apps page, when this hub runs apps without the sandbox; users are not told, and with
// the sandbox nobody sees a warning.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { signInThroughUi } from "../helpers/chromium.ts";
import { DEMO_PASSWORD, TEST_ADMIN } from "../helpers/hub.ts";
import { useHubInBrowser } from "../helpers/hubInBrowser.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));
const WARNING = /Apps are not sandboxed on this host \(GATEHOUSE_APP_SANDBOX=off\)/;

describe("apps page, GATEHOUSE_APP_SANDBOX=off", () => {
  const ui = useHubInBrowser({ appsDirs: [EXAMPLES], config: { appSandbox: "off" } });

  it("tells an admin that apps are not sandboxed on this host", async () => {
    await signInThroughUi(ui.page, TEST_ADMIN.email, TEST_ADMIN.password);
    await ui.page.goto("/apps");
    const alert = ui.page.getByRole("alert").filter({ hasText: "not sandboxed" });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(WARNING);
  });

  it("does not tell a user (the admin overview is not theirs)", async () => {
    const user = await ui.hub.newUser("user");
    await ui.context.clearCookies();
    await signInThroughUi(ui.page, user.email, DEMO_PASSWORD);
    await ui.page.goto("/apps");
    await ui.page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
    await ui.page.getByRole("link", { name: /iTwin/ }).first().waitFor();
    expect(await ui.page.getByRole("alert").count()).toBe(0);
  });
});

describe("apps page, sandboxed", () => {
  const ui = useHubInBrowser({ appsDirs: [EXAMPLES] });

  it("shows an admin no warning", async () => {
    await signInThroughUi(ui.page, TEST_ADMIN.email, TEST_ADMIN.password);
    await ui.page.goto("/apps");
    await ui.page.getByRole("link", { name: /iTwin/ }).first().waitFor();
    const overview: unknown = await ui.page.evaluate(
      async () => (await fetch("/api/admin/apps")).json() as Promise<unknown>,
    );
    expect(overview).toMatchObject({ sandbox: { active: true, warning: null } });
    expect(await ui.page.getByRole("alert").count()).toBe(0);
  });
});
