/**
 * The name rules the hub, app configs, the SDK and the web UI share. No imports: app bundles and the
 * browser load this file too.
 */

// "-" escaped, so the same class also reads right in an HTML pattern attribute (the `v` flag).
const INTEGRATION_NAME_BODY = "[a-z0-9_\\-]{1,64}";

/** Integration names: what app code and app config use (CONTRACT §3: 1–64 of a-z 0-9 - _). */
export const INTEGRATION_NAME = new RegExp(`^${INTEGRATION_NAME_BODY}$`);
/** INTEGRATION_NAME for an `<input pattern>` (which anchors it itself). */
export const INTEGRATION_NAME_HTML_PATTERN = INTEGRATION_NAME_BODY;
/** INTEGRATION_NAME in words, for validation messages. */
export const INTEGRATION_NAME_RULE = "must be 1–64 characters of a-z, 0-9, - and _";

/** App names (`name` in gatehouse.config.toml): as integration names, starting with a letter or digit. */
export const APP_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** APP_NAME in words, for validation messages. */
export const APP_NAME_RULE =
  "must be an app name: 1–64 of a-z, 0-9, - and _, starting with a letter or digit";

/** The entry of an integration's `apps` that assigns it to every app. */
export const EVERY_APP = "*";

/** Whether an admin assigned `integration` to `app` (by name, or to every app). */
export function isAssigned(integration: { readonly apps: readonly string[] }, app: string): boolean {
  return integration.apps.includes(EVERY_APP) || integration.apps.includes(app);
}
