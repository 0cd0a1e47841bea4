/**
 * Who an app process runs as when the hub runs as root: a uid and gid of its own, outside every range hosts
 * usually allocate, so that no file on the host and no other process belongs to it. A root hub must not give
 * an app root: a user namespace created by root maps the app to host root.
 *
 * App i (its place among the loaded apps, sorted by name) is GATEHOUSE_APP_UID_BASE + i, for uid and gid.
 * The default base, 1 900 000 000, is far above login and system users (below 60 000), systemd's dynamic
 * users (61 184–65 519) and the subordinate ranges handed to users for containers (from 100 000, 65 536
 * each). No user database entry is needed: nothing looks the uid up by name. When it is not root, the hub
 * runs apps as its own uid, inside a user namespace of their own.
 */

export interface AppIdentity {
  uid: number;
  gid: number;
}

export const DEFAULT_APP_UID_BASE = 1_900_000_000;
/** How many apps a hub gives identities to: base + 0 … base + MAX_APPS − 1. */
export const MAX_APPS = 100_000;
/** The base may not reach into the last identities before 2^31 (some tools take uids as signed). */
export const MAX_APP_UID_BASE = 2 ** 31 - 1 - MAX_APPS;

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** The identity of the app at `index` (0-based), for a root hub. */
export function appIdentity(base: number, index: number): AppIdentity {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_APPS) {
    throw new RangeError(`app index ${index} is outside 0–${MAX_APPS - 1}`);
  }
  return { uid: base + index, gid: base + index };
}
