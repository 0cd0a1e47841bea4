/** Largest frame the bundler process may send: one app's bundle (its code, inline source map included). */
export const BUNDLE_MAX_FRAME = 64 * 1024 * 1024;
/** How long bundling one app may take before its process is killed. */
export const BUNDLE_TIMEOUT_MS = 60_000;
