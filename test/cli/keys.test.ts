// `gatehouse keys rotate` and `gatehouse users add` as real processes on a hub's SQLite data dir: after a
// rotation and dropping the old key, every stored secret and token still decrypts and no row is left
// under the old key (keys from keys.json, and from GATEHOUSE_ENCRYPTION_KEYS).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { AccountStore } from "../../src/hub/identity/accounts.ts";
import type { TokenSet } from "../../src/oauth/index.ts";
import { IntegrationStore } from "../../src/vault/integrationStore.ts";
import { KeyRing, loadKeyRing, saveKeysFile } from "../../src/vault/keyRing.ts";
import { countRowsUnderKey } from "../../src/vault/rotation.ts";
import { TokenService, type OAuthSteps } from "../../src/vault/tokenService.ts";
import { hubEnv, runCli } from "../helpers/cliProcess.ts";
import { useTempDir } from "../helpers/tempDir.ts";
import { createIntegration, createUser, oauthConfigFor, testCipher } from "../helpers/vaultFixtures.ts";

const BASE = "http://127.0.0.1:9"; // never called: the stored tokens are valid and the steps are stubbed

/** OAuth steps that hand out one service token and count their calls (no provider involved). */
function stubSteps(): OAuthSteps & { calls: number } {
  const steps = {
    calls: 0,
    refreshTokens: () => Promise.reject(new Error("no refresh expected")),
    clientCredentials: (): Promise<TokenSet> => {
      steps.calls += 1;
      return Promise.resolve({
        accessToken: "service-access-token",
        tokenType: "Bearer",
        refreshToken: null,
        expiresAt: Date.now() + 3_600_000,
        scopes: ["itwin-platform"],
        idToken: null,
      });
    },
    revokeToken: () => Promise.resolve(),
  };
  return steps;
}

interface Seeded {
  userId: string;
  userIntegration: string;
  serviceIntegration: string;
}

/** A user connection, a service token and two client secrets, all under `ring`. */
async function seed(store: Store, ring: KeyRing): Promise<Seeded> {
  const userId = await createUser(store);
  const userIntegration = await createIntegration(store, ring, BASE, { clientSecret: "user-client-secret" });
  const serviceIntegration = await createIntegration(store, ring, BASE, {
    grantType: "client_credentials",
    clientId: "sandbox-service",
    clientSecret: "service-client-secret",
    scopes: ["itwin-platform"],
  });
  const steps = stubSteps();
  const tokens = new TokenService({ store, keyRing: ring, oauthConfigFor, oauth: steps });
  await tokens.saveConnection(userIntegration, userId, {
    accessToken: "user-access-token",
    tokenType: "Bearer",
    refreshToken: "user-refresh-token",
    expiresAt: Date.now() + 3_600_000,
    scopes: ["itwin-platform"],
    idToken: null,
  });
  expect((await tokens.getServiceToken(serviceIntegration)).accessToken).toBe("service-access-token");
  return { userId, userIntegration: userIntegration.name, serviceIntegration: serviceIntegration.name };
}

/** Everything seeded still readable with `ring` alone (which lacks the old key), with no new provider call. */
async function expectReadable(store: Store, ring: KeyRing, seeded: Seeded): Promise<void> {
  const integrations = new IntegrationStore(store, ring);
  const user = (await integrations.get(seeded.userIntegration))!;
  const service = (await integrations.get(seeded.serviceIntegration))!;
  expect(user.clientSecret).toBe("user-client-secret");
  expect(service.clientSecret).toBe("service-client-secret");
  const steps = stubSteps();
  const tokens = new TokenService({ store, keyRing: ring, oauthConfigFor, oauth: steps });
  expect((await tokens.getUserToken(user, seeded.userId)).accessToken).toBe("user-access-token");
  expect((await tokens.getServiceToken(service)).accessToken).toBe("service-access-token");
  expect(steps.calls).toBe(0);
  const refresh = await store.db
    .selectFrom("connections")
    .select(["id", "refresh_token_enc"])
    .executeTakeFirstOrThrow();
  expect(ring.decrypt(refresh.refresh_token_enc!, `connections:${refresh.id}:refresh_token`)).toBe(
    "user-refresh-token",
  );
}

const tmp = useTempDir("gh-cli-keys-");

describe("gatehouse keys rotate", () => {
  it("with keys.json: adds a key first, re-encrypts every row, and the old key can be dropped", async () => {
    const dataDir = join(tmp(), "file-keys");
    mkdirSync(dataDir, { recursive: true });
    const dbUrl = `sqlite:${join(dataDir, "gatehouse.db")}`;
    const oldRing = loadKeyRing({ dataDir });
    const oldKeyId = oldRing.currentKeyId;
    let store = await openDatabase(dbUrl);
    const seeded = await seed(store, oldRing);
    expect(await countRowsUnderKey(store, oldKeyId)).toBe(4);
    await store.close();

    const result = await runCli(["keys", "rotate", "--batch-size", "1"], { env: hubEnv(dataDir) });
    expect(result.stderr).toMatch(/connections: 1 re-encrypted/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");

    const file = JSON.parse(readFileSync(join(dataDir, "keys.json"), "utf8")) as { keys: { id: string }[] };
    expect(file.keys.map((k) => k.id)).toEqual([expect.not.stringMatching(`^${oldKeyId}$`), oldKeyId]);
    expect(result.stderr).toContain(`No row uses ${oldKeyId} any more`);

    // Drop the old key from keys.json, as the operator would.
    saveKeysFile(dataDir, `${JSON.stringify({ keys: [file.keys[0]] }, null, 2)}\n`);
    const newRing = loadKeyRing({ dataDir });
    expect(newRing.keyIds).toEqual([file.keys[0]!.id]);
    store = await openDatabase(dbUrl);
    try {
      expect(await countRowsUnderKey(store, oldKeyId)).toBe(0);
      await expectReadable(store, newRing, seeded);
    } finally {
      await store.close();
    }
  });

  it("with GATEHOUSE_ENCRYPTION_KEYS: prints the new value and re-encrypts with it (--json)", async () => {
    const dataDir = join(tmp(), "env-keys");
    mkdirSync(dataDir, { recursive: true });
    const dbUrl = `sqlite:${join(dataDir, "gatehouse.db")}`;
    const oldRing = testCipher("old1");
    const oldEnv = oldRing.withAddedKey().env.split(",").slice(1).join(","); // just "old1:<key>"
    let store = await openDatabase(dbUrl);
    const seeded = await seed(store, oldRing);
    await store.close();

    const result = await runCli(["keys", "rotate", "--json"], {
      env: hubEnv(dataDir, { GATEHOUSE_ENCRYPTION_KEYS: oldEnv }),
    });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      keyId: string;
      env: string;
      reencrypted: number;
      droppableKeyIds: string[];
    };
    expect(summary.reencrypted).toBe(4);
    expect(summary.droppableKeyIds).toEqual(["old1"]);
    expect(summary.env.split(",")).toHaveLength(2);
    expect(result.stderr).not.toContain(summary.env);

    const newOnly = KeyRing.fromEnv(summary.env.split(",")[0]!);
    expect(newOnly.currentKeyId).toBe(summary.keyId);
    store = await openDatabase(dbUrl);
    try {
      expect(await countRowsUnderKey(store, "old1")).toBe(0);
      await expectReadable(store, newOnly, seeded);
    } finally {
      await store.close();
    }
  });

  it("a bad configuration is one sentence naming the variable, exit 1", async () => {
    const result = await runCli(["keys", "rotate"], {
      env: hubEnv(join(tmp(), "bad"), { GATEHOUSE_ENCRYPTION_KEYS: "not keys" }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^gatehouse keys rotate: GATEHOUSE_ENCRYPTION_KEYS/);
  });
});

describe("gatehouse users add", () => {
  it("creates a user with a generated password printed once; a duplicate is exit 1, bad input exit 2", async () => {
    const dataDir = join(tmp(), "users");
    const env = hubEnv(dataDir);
    const created = await runCli(["users", "add", "--email", "Ada@Example.com", "--role", "developer"], {
      env,
    });
    expect(created.code).toBe(0);
    const password = /Password \(shown this once\): (\S+)/.exec(created.stdout)?.[1];
    expect(password).toBeTruthy();

    const store = await openDatabase(`sqlite:${join(dataDir, "gatehouse.db")}`);
    try {
      const user = await new AccountStore(store.db).verifyLogin("ada@example.com", password!);
      expect(user).toMatchObject({ email: "ada@example.com", role: "developer" });
    } finally {
      await store.close();
    }

    const again = await runCli(
      ["users", "add", "--email", "ada@example.com", "--role", "user", "--password", "long-enough"],
      { env },
    );
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      "gatehouse users add: A user with email ada@example.com already exists.",
    );

    const badRole = await runCli(["users", "add", "--email", "bob@example.com", "--role", "root"], { env });
    expect(badRole.code).toBe(2);
    const shortPassword = await runCli(
      ["users", "add", "--email", "bob@example.com", "--role", "user", "--password", "short", "--json"],
      { env },
    );
    expect(shortPassword.code).toBe(2);
    expect(shortPassword.stderr.trim()).toBe("gatehouse users add: --password must be 8 to 1024 characters.");

    const json = await runCli(["users", "add", "--email", "carol@example.com", "--role", "admin", "--json"], {
      env,
    });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      email: "carol@example.com",
      role: "admin",
      password: expect.any(String),
    });
  });
});
