/**
 * One emulator resource API under test for a whole test file: started before its tests with fresh test
 * tokens, the seed's three users signed in with the scopes the file names, closed after its tests.
 */
import { afterAll, beforeAll } from "vitest";
import { ALICE_ID, BOB_ID, CAROL_ID } from "../../src/emulators/shared/seedIds.ts";
import { createTestTokens, startApi, type RunningApi, type TestTokens } from "./emulatorApiHarness.ts";

/** Each object is filled in before the file's tests run (as `useStubProvider`'s stub is), so it may be destructured. */
export interface ApiUnderTest {
  api: RunningApi;
  tokens: TestTokens;
  /** Access tokens of the seed's users, signed with `userScopes`. */
  users: { alice: string; bob: string; carol: string };
}

export function useApiUnderTest(mount: Parameters<typeof startApi>[0], userScopes: string[]): ApiUnderTest {
  const under = { api: {}, tokens: {}, users: {} } as ApiUnderTest;
  beforeAll(async () => {
    const tokens = Object.assign(under.tokens, await createTestTokens());
    Object.assign(under.api, await startApi(mount, tokens.verify));
    const user = (subject: string) => tokens.sign({ subject, scopes: userScopes });
    const [alice, bob, carol] = await Promise.all([user(ALICE_ID), user(BOB_ID), user(CAROL_ID)]);
    Object.assign(under.users, { alice, bob, carol });
  });
  afterAll(async () => {
    await under.api?.close();
  });
  return under;
}
