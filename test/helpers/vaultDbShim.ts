// TEMPORARY until test/helpers/databases.ts lands: SQLite only; every open() of a suite is the same file.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { openDatabase, type Store } from "../../src/db/index.ts";

export function forEachDatabase(suite: (open: () => Promise<Store>) => void): void {
  describe("sqlite", () => {
    const file = join(mkdtempSync(join(tmpdir(), "vault-")), "test.db");
    suite(() => openDatabase(`sqlite:${file}`));
  });
}
