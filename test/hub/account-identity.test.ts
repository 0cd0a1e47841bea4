import { beforeAll, expect, it } from "vitest";
import { emulatorUsers } from "../../src/emulators/shared/users.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { updateConnections } from "../helpers/directWrites.ts";
import type { HubClient } from "../helpers/hub.ts";
import { useTestHub } from "../helpers/suiteHub.ts";

interface ConnectionView {
  integration: string;
  status: string;
  lastRefreshedAt: string | null;
  account: { subject: string | null; email: string | null; name: string | null } | null;
}

const ALICE = emulatorUsers.find((u) => u.email === "alice@example.com")!;
const BOB = emulatorUsers.find((u) => u.email === "bob@example.com")!;

// The account page says which provider account is connected: the hub learns it at connect time (the
// tokens' claims, then userinfo where the issuer's discovery names it), stores it beside the connection
// (migration 0002), keeps it across refreshes and replaces it on a reconnect.
forEachDatabase("connected account identity", (_getStore, database) => {
  const t = useTestHub(() => ({ store: database.store }));
  let alice: HubClient;
  beforeAll(async () => {
    alice = await t().signIn("alice@example.com");
  });

  const connection = async (name: string) =>
    (await alice.get<ConnectionView[]>("/api/me/connections")).body.find((c) => c.integration === name);

  it("names the account from userinfo when the integration has an issuer", async () => {
    const back = await t().connect(alice, "bentley-itwin", "alice@example.com");
    expect(back.status).toBe(302);
    expect((await connection("bentley-itwin"))?.account).toEqual({
      subject: ALICE.id,
      email: "alice@example.com",
      name: "Alice Anders",
    });
  });

  it("names it by the access token's claims when there is no issuer to ask", async () => {
    const admin = await t().admin();
    const bentley = t().emulators!.bentley.url;
    const created = await admin.post("/api/admin/integrations", {
      name: "viktor-itwin-generic",
      provider: "generic",
      authorizationUrl: `${bentley}/connect/authorize`,
      tokenUrl: `${bentley}/connect/token`,
      clientId: "sandbox-web",
      clientSecret: "sandbox-web-secret",
      scopes: ["itwin-platform", "offline_access"],
    });
    expect(created.status, created.text).toBe(201);
    expect((await t().connect(alice, "viktor-itwin-generic", "alice@example.com")).status).toBe(302);
    expect((await connection("viktor-itwin-generic"))?.account).toEqual({
      subject: ALICE.id,
      // IMS access tokens carry the user's email and name (itwinjs-core's ImsIntrospectionResponse).
      email: "alice@example.com",
      name: "Alice Anders",
    });
  });

  it("keeps the account across a refresh", async () => {
    const { integrations, tokens, accounts } = t().hub.services;
    const integration = (await integrations.get("bentley-itwin"))!;
    const user = (await accounts.findByEmail("alice@example.com"))!;
    // A forced refresh of a token issued more than a few seconds ago.
    await updateConnections(database.store.db, { connected_at: Date.now() - 60_000 }, { userId: user.id });
    await tokens.forceRefreshUserToken(integration, user.id);
    const after = await connection("bentley-itwin");
    expect(after?.lastRefreshedAt).not.toBeNull();
    expect(after?.account).toEqual({ subject: ALICE.id, email: "alice@example.com", name: "Alice Anders" });
  });

  it("replaces it when the user reconnects as another provider account", async () => {
    expect((await t().connect(alice, "bentley-itwin", "bob@example.com")).status).toBe(302);
    expect((await connection("bentley-itwin"))?.account).toEqual({
      subject: BOB.id,
      email: "bob@example.com",
      name: "Bob Berg",
    });
    const row = await database.store.db
      .selectFrom("connections")
      .select(["account_subject", "account_email", "account_name"])
      .where("account_subject", "=", BOB.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      account_subject: BOB.id,
      account_email: "bob@example.com",
      account_name: "Bob Berg",
    });
  });
});
