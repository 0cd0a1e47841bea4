import { useState } from "react";

/**
 * One user action against the API (a form's submit, a button): `busy` while it runs, so its control can be
 * disabled, and its failure in `error` for an ErrorMessage. Each run starts by clearing the last error.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  /**
   * Runs `work`; true when it succeeded. With `leavesPage` (the work navigates away when it succeeds)
   * `busy` stays set after success, so the control cannot be used twice while the next page loads.
   */
  async function run(work: () => Promise<void>, options: { leavesPage?: boolean } = {}): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await work();
      if (!options.leavesPage) setBusy(false);
      return true;
    } catch (err) {
      setError(err);
      setBusy(false);
      return false;
    }
  }

  return { busy, error, setError, run };
}
