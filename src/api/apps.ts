/** Apps as their list and pages show them (`/api/apps`, `/api/apps/{name}`). */
import type { IntegrationGrant } from "./integrations.ts";

/** One integration an app lists, as the app's page shows it to the signed-in user. */
export interface IntegrationState {
  name: string;
  /** Whether a view can get a token now without the user signing in (always true for a service integration). */
  connected: boolean;
  status: "connected" | "reconnect_required" | "not_connected" | "service" | "unavailable";
  grantType: IntegrationGrant | null;
  displayName: string | null;
  /** Where to send the user to connect; null when no sign-in is needed or possible. */
  loginUrl: string | null;
  /** Why the app cannot use it, when it cannot: "not_found" or "not_assigned". */
  problem: string | null;
}

/** An app: state, load error, warnings, integrations. */
export interface AppSummary {
  name: string;
  title: string;
  description: string;
  status: "ready" | "error";
  error: string | null;
  warnings: string[];
  integrations: IntegrationState[];
}
