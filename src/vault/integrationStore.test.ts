import { beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../db/index.ts";
import { forEachDatabase } from "../../test/helpers/databases.ts";
import { allStoredText, integrationInput, testCipher } from "../../test/helpers/vaultFixtures.ts";
import { aad } from "./aad.ts";
import { IntegrationStore } from "./integrationStore.ts";

const BASE = "https://ims.example.test";

forEachDatabase("IntegrationStore", (getStore) => {
  describe("CRUD", () => {
    let store: Store;
    const cipher = testCipher("k1");
    let integrations: IntegrationStore;

    beforeAll(async () => {
      store = getStore();
      integrations = new IntegrationStore(store, cipher);
    });

    it("creates, reads and lists an integration with its secret decrypted", async () => {
      const input = integrationInput(BASE, { name: "crud-one", clientSecret: "s3cret-crud-one" });
      const created = await integrations.create(input);
      expect(created).toMatchObject({ ...input, id: expect.any(String) });
      expect(await integrations.get("crud-one")).toEqual(created);
      expect(await integrations.getById(created.id)).toEqual(created);
      expect((await integrations.list()).map((i) => i.name)).toContain("crud-one");
      expect(await integrations.get("no-such-integration")).toBeNull();
    });

    it("never copies or serialises the client secret: only reading it by name opens it", async () => {
      const secret = "s3cret-never-copied";
      const created = await integrations.create(
        integrationInput(BASE, { name: "hidden-secret", clientSecret: secret }),
      );
      const read = (await integrations.get("hidden-secret"))!;
      const updated = await integrations.update("hidden-secret", { description: "changed" });
      for (const integration of [created, read, updated]) {
        expect(integration.clientSecret).toBe(secret);
        expect(JSON.stringify(integration)).not.toContain(secret);
        expect(Object.keys(integration)).not.toContain("clientSecret");
        expect({ ...integration }).not.toHaveProperty("clientSecret");
      }
      const replaced = await integrations.update("hidden-secret", { clientSecret: "new-s3cret" });
      expect([replaced.clientSecret, (await integrations.get("hidden-secret"))!.clientSecret]).toEqual([
        "new-s3cret",
        "new-s3cret",
      ]);
      const cleared = await integrations.update("hidden-secret", { clientSecret: null });
      expect([cleared.clientSecret, (await integrations.get("hidden-secret"))!.clientSecret]).toEqual([
        null,
        null,
      ]);
    });

    it("stores the client secret only as ciphertext bound to the row, with the key id recorded", async () => {
      const secret = "plaintext-secret-7f3a9c";
      const created = await integrations.create(
        integrationInput(BASE, { name: "enc-check", clientSecret: secret }),
      );
      expect(await allStoredText(store)).not.toContain(secret);
      const row = await store.db
        .selectFrom("integrations")
        .selectAll()
        .where("id", "=", created.id)
        .executeTakeFirstOrThrow();
      expect(row.key_id).toBe("k1");
      expect(row.client_secret_enc).toMatch(/^v1\.k1\./);
      expect(cipher.decrypt(row.client_secret_enc!, aad.integrationClientSecret(created.id))).toBe(secret);
      // Moved to another row, the ciphertext no longer opens.
      expect(() =>
        cipher.decrypt(row.client_secret_enc!, aad.integrationClientSecret("another-id")),
      ).toThrow();
    });

    it("refuses a second integration with the same name (409 integration_exists)", async () => {
      await integrations.create(integrationInput(BASE, { name: "dup-name" }));
      await expect(integrations.create(integrationInput(BASE, { name: "dup-name" }))).rejects.toMatchObject({
        code: "integration_exists",
        status: 409,
      });
    });

    it("patches only the given fields; undefined secret keeps, a string replaces, null clears", async () => {
      const created = await integrations.create(
        integrationInput(BASE, { name: "patch-me", clientSecret: "first-secret", scopes: ["a"] }),
      );
      const kept = await integrations.update("patch-me", {
        description: "new words",
        clientSecret: undefined,
      });
      expect(kept).toMatchObject({ description: "new words", clientSecret: "first-secret", scopes: ["a"] });
      expect(kept.updatedAt).toBeGreaterThanOrEqual(created.updatedAt);
      expect(await integrations.get("patch-me")).toEqual(kept);

      const replaced = await integrations.update("patch-me", {
        clientSecret: "second-secret",
        scopes: ["a", "b"],
      });
      expect(replaced).toMatchObject({
        clientSecret: "second-secret",
        scopes: ["a", "b"],
        description: "new words",
      });
      expect(await allStoredText(store)).not.toContain("second-secret");

      const cleared = await integrations.update("patch-me", {
        clientSecret: null,
        tokenEndpointAuthMethod: "none",
      });
      expect(cleared.clientSecret).toBeNull();
      const row = await store.db
        .selectFrom("integrations")
        .selectAll()
        .where("id", "=", created.id)
        .executeTakeFirstOrThrow();
      expect(row.client_secret_enc).toBeNull();
      expect((await integrations.get("patch-me"))?.clientSecret).toBeNull();
    });

    it("ignores fields a patch may not change, and renames with the unique check", async () => {
      const created = await integrations.create(integrationInput(BASE, { name: "rename-me" }));
      await integrations.create(integrationInput(BASE, { name: "taken-name" }));
      const patched = await integrations.update("rename-me", { id: "forged", createdAt: 1 } as never);
      expect(patched.id).toBe(created.id);
      expect(patched.createdAt).toBe(created.createdAt);
      await expect(integrations.update("rename-me", { name: "taken-name" })).rejects.toMatchObject({
        code: "integration_exists",
      });
      const renamed = await integrations.update("rename-me", { name: "renamed" });
      expect(renamed.id).toBe(created.id);
      expect(await integrations.get("rename-me")).toBeNull();
      expect((await integrations.get("renamed"))?.clientSecret).toBe(created.clientSecret);
    });

    it("answers integration_not_found (404) for updates and deletes of unknown names", async () => {
      await expect(integrations.update("ghost", { description: "x" })).rejects.toMatchObject({
        code: "integration_not_found",
        status: 404,
      });
      await expect(integrations.delete("ghost")).rejects.toMatchObject({ code: "integration_not_found" });
    });

    it("deletes the row together with its connections", async () => {
      const created = await integrations.create(integrationInput(BASE, { name: "delete-me" }));
      const userId = crypto.randomUUID();
      await store.db
        .insertInto("users")
        .values({
          id: userId,
          email: `${userId}@example.com`,
          password_hash: "x",
          role: "user",
          created_at: 0,
        })
        .execute();
      await store.db
        .insertInto("connections")
        .values({
          id: crypto.randomUUID(),
          integration_id: created.id,
          user_id: userId,
          status: "connected",
          access_token_enc: "v1.k1.x.y",
          refresh_token_enc: null,
          token_type: "Bearer",
          scopes: "[]",
          expires_at: 0,
          connected_at: 0,
          last_refreshed_at: null,
          version: 1,
          refresh_lease_owner: null,
          refresh_lease_until: null,
          key_id: "k1",
        })
        .execute();
      expect(await integrations.countConnections(created.id)).toBe(1);
      await integrations.delete("delete-me");
      expect(await integrations.get("delete-me")).toBeNull();
      expect(await integrations.countConnections(created.id)).toBe(0);
    });
  });
});
