// Ending a connection: a user's disconnect and an admin's deletion of the integration both revoke the tokens
// at the provider before they remove them, and leave no token or secret behind in the logs or the database.
import { afterAll, beforeAll, expect, it } from "vitest";
import { introspectToken } from "../../src/oauth/index.ts";
import {
  TOKEN_PATH,
  expectSecretsKeptOut,
  startConnectHub,
  storedRefreshToken,
  type TokenAnswer,
} from "../helpers/connectHub.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import type { HubClient, TestHub } from "../helpers/hub.ts";
import { expectProblem } from "../helpers/problems.ts";

forEachDatabase("disconnect and integration deletion", (_getStore, database) => {
  let t: TestHub;
  let alice: HubClient;
  /** Alice's first access token, revoked by the disconnect. */
  let revokedToken: string;

  beforeAll(async () => {
    ({ t, alice } = await startConnectHub(database, () => 0));
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("disconnect revokes at the provider: introspection says inactive, the token API asks to sign in", async () => {
    const integration = (await t.hub.services.integrations.get("bentley-itwin"))!;
    const cfg = t.hub.services.oauthConfigFor(integration);
    const refreshToken = await storedRefreshToken(t, database, alice, integration.id);
    expect((await introspectToken(cfg, refreshToken)).active).toBe(true);
    const accessToken = (await alice.get<TokenAnswer>(TOKEN_PATH)).body.accessToken;
    revokedToken = accessToken;
    expect((await introspectToken(cfg, accessToken)).active).toBe(true);
    expect((await alice.delete("/api/me/connections/bentley-itwin")).status).toBe(204);
    expect((await introspectToken(cfg, refreshToken)).active).toBe(false);
    expect((await introspectToken(cfg, accessToken)).active).toBe(false);
    const itwins = await fetch(`${t.emulators!.bentley.url}/itwins/`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(itwins.status).toBe(401);
    await itwins.body?.cancel();
    expectProblem(await alice.get(TOKEN_PATH), 401, "login_required");
    expectProblem(await alice.delete("/api/me/connections/bentley-itwin"), 404, "connection_not_found");
  });

  it("keeps tokens, codes, states and secrets out of every log line and the database", async () => {
    // Connect again to have live tokens to look for.
    expect((await t.connect(alice, "bentley-itwin", "alice@example.com")).status).toBe(302);
    const token = (await alice.get<TokenAnswer>(TOKEN_PATH)).body.accessToken;
    await expectSecretsKeptOut(t, database, [token, revokedToken]);
  });

  it("deleting the integration revokes and removes every token of it", async () => {
    const integration = (await t.hub.services.integrations.get("bentley-itwin"))!;
    const refreshToken = await storedRefreshToken(t, database, alice, integration.id);
    const admin = await t.admin();
    const stored = await database.store.db
      .selectFrom("connections")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("integration_id", "=", integration.id)
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBeGreaterThan(0);
    // What the delete confirmation names: the same number in the single read and in the list.
    const one = await admin.get<{ connectionCount: number }>("/api/admin/integrations/bentley-itwin");
    expect(one.body.connectionCount).toBe(Number(stored.n));
    const all = await admin.get<{ name: string; connectionCount: number }[]>("/api/admin/integrations");
    expect(all.body.find((i) => i.name === "bentley-itwin")?.connectionCount).toBe(Number(stored.n));
    expect(all.body.find((i) => i.name === "bentley-itwin-service")?.connectionCount).toBe(0);
    expect((await admin.delete("/api/admin/integrations/bentley-itwin")).status).toBe(204);
    expect((await introspectToken(t.hub.services.oauthConfigFor(integration), refreshToken)).active).toBe(
      false,
    );
    expectProblem(await alice.get(TOKEN_PATH), 404, "integration_not_found");
    const left = await database.store.db
      .selectFrom("connections")
      .selectAll()
      .where("integration_id", "=", integration.id)
      .execute();
    expect(left).toEqual([]);
  });
});
