/**
 * Waiting on a condition instead of a fixed time: a test that sleeps and then asserts races the machine,
 * one that polls until the thing it waits for has happened does not. The bound only ends a hung test: it
 * is generous on purpose, so a correct run on a loaded machine never reaches it.
 *
 *   await waitUntil("the warning is logged", () => warned().length > 0);
 */

/** How long a wait may take before it counts as hung (well under the 60 s test timeout a test may raise). */
export const HANG_GUARD_MS = 45_000;

export interface WaitOptions {
  /** Default HANG_GUARD_MS. */
  timeoutMs?: number;
  /** Pause between two checks (default 50 ms). */
  intervalMs?: number;
}

/** Resolves once `condition` holds; throws `timed out waiting until <what>` past the bound. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? HANG_GUARD_MS);
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
