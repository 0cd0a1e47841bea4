// Migration 0004_identity_audit on a database that has data from before it: every row stays, its foreign
// keys still cascade, existing personal access tokens keep their owner's access and expire 90 days after
// the migration, and an identity-provider user needs no password. On SQLite the users table is rebuilt, the
// riskiest step of the migration.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Migrator, sql } from "kysely";
import { describe, expect, inject, it } from "vitest";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { LEGACY_TOKEN_DAYS } from "../../src/db/migrations/0004_identity_audit.ts";
import { migrationProvider } from "../../src/db/migrations/index.ts";
import { createPgDatabase } from "../helpers/databases.ts";

const t0 = 1_795_000_000_000;
const DAY_MS = 86_400_000;

/** A database migrated up to just before 0004, as a hub of the previous release left it. */
async function openBefore0004(url: string): Promise<Store> {
  const store = await openDatabase(url, { migrate: false });
  const migrator = new Migrator({ db: store.db, provider: migrationProvider });
  const { error } = await migrator.migrateTo("0002_connection_account");
  if (error) throw error instanceof Error ? error : new Error("migrating to 0002 failed");
  return store;
}

/** Rows as the previous release wrote them (the columns 0004 adds are all optional on insert). */
async function seedOld(db: Store["db"]): Promise<{ admin: string; user: string }> {
  const admin = randomUUID();
  const user = randomUUID();
  for (const [id, email, role] of [
    [admin, "admin@example.com", "admin"],
    [user, "user@example.com", "user"],
  ] as const) {
    await db
      .insertInto("users")
      .values({ id, email, password_hash: "scrypt$x", role, created_at: t0 })
      .execute();
    await db
      .insertInto("sessions")
      .values({ id: `s-${id}`, user_id: id, created_at: t0, expires_at: t0 + 1 })
      .execute();
    await db
      .insertInto("personal_access_tokens")
      .values({
        id: `p-${id}`,
        user_id: id,
        name: "old",
        token_hash: `h-${id}`,
        created_at: t0,
        last_used_at: null,
      })
      .execute();
  }
  return { admin, user };
}

function migrationSuite(
  dialect: "sqlite" | "postgres",
  provision: () => Promise<{ url: string; drop(): unknown }>,
) {
  it(`[${dialect}] keeps every row, and old tokens keep their owner's access for 90 days`, async () => {
    const provisioned = await provision();
    const { url } = provisioned;
    try {
      const before = await openBefore0004(url);
      const ids = await seedOld(before.db);
      await before.close();

      const migratedAt = Date.now();
      const store = await openDatabase(url);
      try {
        const { db } = store;
        const users = await db.selectFrom("users").selectAll().orderBy("email").execute();
        expect(
          users.map((u) => [u.email, u.role, u.password_hash, u.disabled_at, u.role_managed_by]),
        ).toEqual([
          ["admin@example.com", "admin", "scrypt$x", null, null],
          ["user@example.com", "user", "scrypt$x", null, null],
        ]);
        const sessions = await db.selectFrom("sessions").select(["id", "signed_in_with"]).execute();
        expect(sessions.map((row) => `${row.id} ${row.signed_in_with}`).sort()).toEqual(
          [`s-${ids.admin} password`, `s-${ids.user} password`].sort(),
        );
        const tokens = await db.selectFrom("personal_access_tokens").selectAll().execute();
        for (const token of tokens) {
          expect(Number(token.expires_at)).toBeGreaterThanOrEqual(
            migratedAt + LEGACY_TOKEN_DAYS * DAY_MS - 60_000,
          );
          expect(Number(token.expires_at)).toBeLessThanOrEqual(Date.now() + LEGACY_TOKEN_DAYS * DAY_MS);
          expect(token.apps).toBeNull();
        }
        const scopesOf = (id: string) => JSON.parse(tokens.find((t) => t.user_id === id)!.scopes) as string[];
        expect(scopesOf(ids.admin)).toEqual(["tokens:read", "apps:run", "admin"]);
        expect(scopesOf(ids.user)).toEqual(["tokens:read", "apps:run"]);

        // A user without a password, as an identity provider creates them.
        await db
          .insertInto("users")
          .values({
            id: "oidc-user",
            email: "oidc@example.com",
            password_hash: null,
            role: "user",
            created_at: t0,
          })
          .execute();
        // The foreign keys point at the new users table and still cascade.
        await db.deleteFrom("users").where("id", "=", ids.user).execute();
        expect(await db.selectFrom("sessions").select("id").execute()).toEqual([{ id: `s-${ids.admin}` }]);
        expect(await db.selectFrom("personal_access_tokens").select("id").execute()).toEqual([
          { id: `p-${ids.admin}` },
        ]);
        await expect(
          db
            .insertInto("sessions")
            .values({ id: "orphan", user_id: "nobody", created_at: t0, expires_at: t0 })
            .execute(),
        ).rejects.toThrow();
        if (dialect === "sqlite") {
          expect((await sql`PRAGMA foreign_key_check`.execute(db)).rows).toEqual([]);
          expect(
            (await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db)).rows[0]?.foreign_keys,
          ).toBe(1);
        }
      } finally {
        await store.close();
      }
    } finally {
      await provisioned.drop();
    }
  });
}

describe("migration 0004_identity_audit on existing data", () => {
  migrationSuite("sqlite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gh-mig-0004-"));
    return {
      url: `sqlite:${join(dir, "hub.db")}`,
      drop: () => rmSync(dir, { recursive: true, force: true }),
    };
  });
  const pgUrl = inject("pgUrl");
  if (pgUrl) migrationSuite("postgres", () => createPgDatabase(pgUrl));
  else it.skip(`[postgres] skipped: ${inject("pgSkipReason") ?? "no PostgreSQL server"}`, () => {});
});
