/**
 * Isolation of tokens between apps and users, over real HTTP: app A must not get app B's integration by
 * any route; a view for user X never sees user Y's token; capabilities cannot be guessed, replayed or used
 * after they expire; a forced refresh reaches the provider once per invocation.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CapabilityStore } from "../../src/apps/capabilities.ts";
import type { HubClient } from "../helpers/hub.ts";
import { runView, valuesOf } from "../helpers/appsHub.ts";
import { updateConnections } from "../helpers/directWrites.ts";
import { useIsolatedApps } from "../helpers/isolatedApps.ts";

const iso = useIsolatedApps();

describe("integrations of another app", () => {
  it("beta gets its own service token (the positive control)", async () => {
    const res = await runView(await iso.t.newUser(), "beta", "token", { integration: "beta-service" });
    expect(res.status).toBe(200);
    expect(valuesOf(res.body)).toMatchObject({ error: null, token: expect.any(String) });
  });

  it("alpha cannot get beta's integration through the SDK, even though its config lists it", async () => {
    const res = await runView(await iso.t.newUser(), "alpha", "token", { integration: "beta-service" });
    expect(valuesOf(res.body)).toMatchObject({ token: null, error: "integration_not_assigned" });
  });

  it("alpha cannot get an integration its config does not list, even one assigned to every app", async () => {
    const { integrations } = iso.t.hub.services;
    await integrations.update("bentley-itwin-service", { apps: ["*"] });
    try {
      const res = await runView(await iso.t.newUser(), "alpha", "token", {
        integration: "bentley-itwin-service",
      });
      expect(valuesOf(res.body)).toMatchObject({ token: null, error: "integration_not_assigned" });
    } finally {
      await integrations.update("bentley-itwin-service", { apps: ["itwin-service"] });
    }
  });

  it("names unknown integrations as such", async () => {
    const res = await runView(await iso.t.newUser(), "alpha", "token", { integration: "nowhere" });
    expect(valuesOf(res.body)).toMatchObject({ error: "integration_not_found" });
  });

  it("alpha cannot get beta's integration with a hand-crafted request carrying its own capability", async () => {
    const alice = await iso.t.signIn("alice@example.com");
    const res = await runView(alice, "alpha", "handcrafted", { integration: "beta-service" });
    expect(res.status).toBe(200);
    expect(valuesOf(res.body)).toEqual({ status: 403, code: "integration_not_assigned", gotToken: 0 });
  });
});

describe("capabilities", () => {
  const tokenRequest = (capability: string, integration = "beta-service") =>
    fetch(`${iso.t.url}/api/runtime/token`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-gatehouse-capability": capability },
      body: JSON.stringify({ integration }),
    });

  it("refuses a guessed capability", async () => {
    const res = await tokenRequest(`ghcap_${randomBytes(32).toString("base64url")}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "invalid_capability" });
    expect((await tokenRequest("anything")).status).toBe(401);
    const none = await fetch(`${iso.t.url}/api/runtime/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ integration: "beta-service" }),
    });
    expect(none.status).toBe(401);
  });

  it("refuses a capability replayed after its invocation ended", async () => {
    const alice = await iso.t.signIn("alice@example.com");
    await iso.t.connect(alice, "bentley-itwin", "alice@example.com");
    const res = await runView(alice, "alpha", "token");
    const { capability, token } = valuesOf(res.body);
    expect(typeof token).toBe("string");
    expect(String(capability)).toMatch(/^ghcap_/);
    const replay = await tokenRequest(String(capability), "bentley-itwin");
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: "invalid_capability" });
  });

  it("refuses an expired capability, and stores only its hash", async () => {
    const { db } = iso.t.hub.services.store;
    const past = new CapabilityStore(db, () => Date.now() - 120_000);
    const capability = await past.mint({
      app: "beta",
      userId: "u",
      invocationId: "expired-test",
      ttlMs: 60_000,
    });
    const res = await tokenRequest(capability);
    expect(res.status).toBe(401);
    const rows = await db
      .selectFrom("app_capabilities")
      .selectAll()
      .where("invocation_id", "=", "expired-test")
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(capability);
    await past.revokeInvocation("expired-test");
  });
});

describe("users", () => {
  it("a view run for alice gets alice's token, and for bob bob's — never the other's", async () => {
    const alice = await iso.t.signIn("alice@example.com");
    const bob = await iso.t.signIn("bob@example.com");
    await iso.t.connect(alice, "bentley-itwin", "alice@example.com");
    await iso.t.connect(bob, "bentley-itwin", "bob@example.com");
    const direct = async (client: HubClient) =>
      (await client.get<{ accessToken: string }>("/api/apps/alpha/integrations/bentley-itwin/token")).body
        .accessToken;
    const [aliceToken, bobToken] = [await direct(alice), await direct(bob)];
    expect(aliceToken).not.toBe(bobToken);
    const [aliceView, bobView] = await Promise.all([
      runView(alice, "alpha", "token"),
      runView(bob, "alpha", "token"),
    ]);
    expect(valuesOf(aliceView.body).token).toBe(aliceToken);
    expect(valuesOf(bobView.body).token).toBe(bobToken);
    // A user with no connection gets login_required, not somebody else's token.
    const carolish = await runView(await iso.t.newUser(), "alpha", "token");
    expect(valuesOf(carolish.body)).toMatchObject({ token: null, error: "login_required" });
  });
});

describe("forced refresh", () => {
  it("refreshes at the provider once per invocation, however often the app asks", async () => {
    const alice = await iso.t.signIn("alice@example.com");
    await iso.t.connect(alice, "bentley-itwin", "alice@example.com");
    const before = (
      await alice.get<{ accessToken: string }>("/api/apps/alpha/integrations/bentley-itwin/token")
    ).body.accessToken;
    // A token issued a minute ago: one issued within the last few seconds is what a forced refresh returns.
    await updateConnections(iso.t.hub.services.store.db, { connected_at: Date.now() - 60_000 });
    const refreshes = () => iso.t.emulators!.bentley.stats().token.refresh_token.ok;
    const counted = refreshes();
    const res = await runView(alice, "alpha", "forced");
    const { first, second } = valuesOf(res.body);
    expect(first).not.toBe(before);
    expect(second).toBe(first);
    expect(refreshes() - counted).toBe(1);
  });
});
