import { useEffect, useRef } from "react";

export interface AppReload {
  app: string;
  at: number;
  /** The app's load error after the reload, or null when it loaded. */
  error: string | null;
}

/**
 * Calls `onReload` each time `gatehouse dev` reloads `app` (server-sent events). A hub that does not reload
 * apps says `off` at once, and the page stops listening.
 */
export function useAppReloads(app: string, onReload: (reload: AppReload) => void): void {
  const latest = useRef(onReload);
  useEffect(() => {
    latest.current = onReload;
  }, [onReload]);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/apps/${encodeURIComponent(app)}/reloads`);
    source.addEventListener("off", () => source.close());
    source.addEventListener("reloaded", (event) => {
      try {
        latest.current(JSON.parse((event as MessageEvent<string>).data) as AppReload);
      } catch {
        // A notice that does not parse is ignored; the next one will do.
      }
    });
    return () => source.close();
  }, [app]);
}
