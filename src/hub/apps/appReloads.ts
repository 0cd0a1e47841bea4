/**
 * Live reload for `gatehouse dev`: the command tells `AppReloads` each time it restarted an app after a
 * save, and an open app page, listening on `GET /api/apps/{app}/reloads` (appReloadRoutes.ts), refreshes
 * itself and says "Reloaded".
 */
import { EventEmitter } from "node:events";

export interface AppReload {
  app: string;
  /** Epoch ms. */
  at: number;
  /** The app's load error after the reload, or null when it loaded. */
  error: string | null;
}

/** Reload notices, from `gatehouse dev` to the open app pages. */
export class AppReloads {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open app page; dev servers are local and few, so no warning at 10.
    this.emitter.setMaxListeners(0);
  }

  notify(reload: AppReload): void {
    this.emitter.emit("reload", reload);
  }

  /** Calls `listener` for every reload until the returned function is called. */
  subscribe(listener: (reload: AppReload) => void): () => void {
    this.emitter.on("reload", listener);
    return () => this.emitter.off("reload", listener);
  }
}
