import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` — the tests beside their modules under src/ (no servers, no browsers, no child
 * processes; storage suites still run on SQLite and on the PostgreSQL that test/setup/global.ts starts) —
 * and `e2e` — everything in test/ (hubs, emulators, Chromium, killed processes, fuzzing).
 * `npm run test:unit` runs the first, `npm test` both.
 */
/** A throwaway PostgreSQL 15 (or GATEHOUSE_TEST_PG_URL), shared by both projects of a run. */
const PG = "test/setup/global.ts";
/** The CLI's build, made once before the tests that start `gatehouse` processes (bin/cliBuild.mjs). */
const CLI_BUILD = "test/setup/cliBuild.ts";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores here: servers started by tests compete for them, so keep the fan-out small.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"], globalSetup: [PG] } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts"], globalSetup: [PG, CLI_BUILD] } },
    ],
  },
});
