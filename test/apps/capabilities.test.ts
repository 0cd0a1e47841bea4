/** Capabilities on both databases: live until revoked or expired, stored only as a hash, unguessable shape. */
import { expect, it } from "vitest";
import { CapabilityStore } from "../../src/apps/capabilities.ts";
import { forEachDatabase } from "../helpers/databases.ts";

forEachDatabase("capabilities", (getStore) => {
  it("verifies a live capability and binds it to app, user and invocation", async () => {
    const store = new CapabilityStore(getStore().db);
    const value = await store.mint({ app: "a", userId: "u1", invocationId: "i1", ttlMs: 60_000 });
    expect(value).toMatch(/^ghcap_[A-Za-z0-9_-]{43}$/);
    expect(await store.verify(value)).toMatchObject({ app: "a", userId: "u1", invocationId: "i1" });
    const rows = await getStore().db.selectFrom("app_capabilities").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(value.slice(6));
    await store.revokeInvocation("i1");
    expect(await store.verify(value)).toBeNull();
  });

  it("refuses expired, unknown and malformed values, and prunes expired rows", async () => {
    let now = 1_000_000;
    const store = new CapabilityStore(getStore().db, () => now);
    const value = await store.mint({ app: "a", userId: "u1", invocationId: "i2", ttlMs: 1_000 });
    now += 999;
    expect(await store.verify(value)).not.toBeNull();
    now += 1;
    expect(await store.verify(value)).toBeNull();
    expect(await store.verify(`${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`)).toBeNull();
    expect(await store.verify("ghcap_short")).toBeNull();
    expect(await store.pruneExpired()).toBe(1);
  });
});
