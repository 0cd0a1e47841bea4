import { useEffect, useRef, useState } from "react";

export interface AppReload {
  app: string;
  at: number;
  /** The app's load error after the reload, or null when it loaded. */
  error: string | null;
}

/**
 * The last reload `gatehouse dev` made of `app` (server-sent events), once `refresh` (which re-reads the app)
 * has finished; `count` changes with each, so a page can start afresh. A hub that does not reload apps says
 * `off` at once, and the page stops listening.
 */
export function useAppReloads(
  app: string,
  refresh: () => Promise<void>,
): (AppReload & { count: number }) | null {
  const [reloaded, setReloaded] = useState<(AppReload & { count: number }) | null>(null);
  const latest = useRef(refresh);
  useEffect(() => {
    latest.current = refresh;
  }, [refresh]);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(`/api/apps/${encodeURIComponent(app)}/reloads`);
    source.addEventListener("off", () => source.close());
    source.addEventListener("reloaded", (event) => {
      let notice: AppReload;
      try {
        notice = JSON.parse((event as MessageEvent<string>).data) as AppReload;
      } catch {
        return; // a notice that does not parse is ignored; the next one will do
      }
      void latest.current().then(() => setReloaded((last) => ({ ...notice, count: (last?.count ?? 0) + 1 })));
    });
    return () => source.close();
  }, [app]);
  return reloaded;
}

/** "Reloaded at 10:42:07": when it happened; a failed load's own error is on the page already. */
export function ReloadedNotice({ reloaded }: { reloaded: AppReload }) {
  const at = new Date(reloaded.at).toLocaleTimeString();
  return reloaded.error ? (
    <p className="error" role="status">
      Reloaded at {at}: the saved app does not load.
    </p>
  ) : (
    <p className="notice reloaded" role="status">
      Reloaded at {at}: the app changed on disk.
    </p>
  );
}
