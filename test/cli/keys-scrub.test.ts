// After `gatehouse keys rotate` on SQLite, no value sealed under the old key remains in the database's files
// (issue 12, hardening): a running hub keeps the WAL alive, so old page versions would stay in it, and freed
// pages in the main file. And when another process holds the database so that cannot be done, the command
// says so and how to finish (`gatehouse keys scrub`).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { loadKeyRing } from "../../src/vault/keyRing.ts";
import { scrubOldValues } from "../../src/vault/scrub.ts";
import { hubEnv, runCli } from "../helpers/cliProcess.ts";
import { forEachDatabase } from "../helpers/databases.ts";
import { useTempDir } from "../helpers/tempDir.ts";
import { createIntegration } from "../helpers/vaultFixtures.ts";

const tmp = useTempDir("gh-cli-scrub-");

/** A data dir with three integrations whose secrets are sealed under the first key; their ciphertexts. */
async function seeded(
  name: string,
): Promise<{ dataDir: string; dbPath: string; store: Store; old: string[] }> {
  const dataDir = join(tmp(), name);
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, "gatehouse.db");
  const ring = loadKeyRing({ dataDir });
  const store = await openDatabase(`sqlite:${dbPath}`);
  for (const secret of ["first-secret", "second-secret", "third-secret"]) {
    await createIntegration(store, ring, "http://127.0.0.1:9", { clientSecret: secret });
  }
  const rows = await store.db.selectFrom("integrations").select("client_secret_enc").execute();
  const old = rows.map((row) => row.client_secret_enc!);
  expect(old).toHaveLength(3);
  return { dataDir, dbPath, store, old };
}

/** Which of `values` appear anywhere in the database's files (main file, WAL). */
function inFiles(dbPath: string, values: string[]): string[] {
  const files = [dbPath, `${dbPath}-wal`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file));
  // Ciphertexts are printable text; look for a long, unique part of each (a whole one may span two pages).
  return values.filter((value) => files.some((bytes) => bytes.includes(value.slice(-40))));
}

describe("gatehouse keys rotate on SQLite", () => {
  it("leaves no old ciphertext in the WAL or the main file while a hub holds the database open", async () => {
    // `store` stays open through the rotation, as a running hub's connection would: the WAL lives on.
    const { dataDir, dbPath, store, old } = await seeded("held-open");
    try {
      expect(inFiles(dbPath, old)).toEqual(old);
      const result = await runCli(["keys", "rotate"], { env: hubEnv(dataDir) });
      expect(result.code, result.stderr).toBe(0);
      const rows = await store.db.selectFrom("integrations").select("client_secret_enc").execute();
      expect(rows.map((row) => row.client_secret_enc)).not.toContain(old[0]);
      expect(inFiles(dbPath, old)).toEqual([]);
      expect(result.stderr).toContain("no old value remains in its files");
    } finally {
      await store.close();
    }
  });

  it("says when another process held the database, and `keys scrub` finishes once it lets go", async () => {
    const { dataDir, dbPath, store, old } = await seeded("busy");
    await store.close();
    // Another process mid-read: its snapshot pins the WAL, so no checkpoint can complete.
    const reader = new SqliteDatabase(dbPath);
    try {
      reader.exec("BEGIN");
      reader.prepare("SELECT count(*) FROM integrations").get();
      const result = await runCli(["keys", "rotate", "--json"], { env: hubEnv(dataDir) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain("Could not scrub the SQLite files");
      expect(result.stderr).toContain("gatehouse keys scrub");
      expect((JSON.parse(result.stdout) as { scrub: { scrubbed: boolean } }).scrub.scrubbed).toBe(false);

      const stillBusy = await runCli(["keys", "scrub"], { env: hubEnv(dataDir) });
      expect(stillBusy.code).toBe(1);
      expect(stillBusy.stderr).toMatch(/could not scrub the SQLite files/i);
      reader.exec("COMMIT");

      const scrub = await runCli(["keys", "scrub", "--json"], { env: hubEnv(dataDir) });
      expect(scrub.code, scrub.stderr).toBe(0);
      expect(JSON.parse(scrub.stdout)).toEqual({ dialect: "sqlite", scrubbed: true });
      expect(inFiles(dbPath, old)).toEqual([]);
    } finally {
      reader.close();
    }
  });
});

forEachDatabase("scrubbing after a rotation", (getStore, database) => {
  it("scrubs SQLite's files; on PostgreSQL says what remains and until when", async () => {
    const result = await scrubOldValues(getStore());
    if (database.store.dialect === "sqlite") {
      expect(result).toEqual({ dialect: "sqlite", scrubbed: true });
    } else {
      expect(result).toMatchObject({ dialect: "postgres", scrubbed: false });
      expect(result.scrubbed ? "" : result.reason).toMatch(
        /WAL, dead rows and backups until the server's own VACUUM/,
      );
    }
  });
});
