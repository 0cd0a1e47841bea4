import { expect } from "vitest";
import { OAuthError } from "../../src/oauth/errors.ts";

/** The OAuthError `fn` throws; fails the test when it throws anything else or nothing. */
export function thrownOAuthError(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthError);
    return err as OAuthError;
  }
  throw new Error("expected an OAuthError");
}

/** The OAuthError `promise` rejects with; fails the test when it rejects with anything else or resolves. */
export async function rejectedOAuthError(promise: Promise<unknown>): Promise<OAuthError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}
