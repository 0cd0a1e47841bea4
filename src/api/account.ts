/** The signed-in user's own data (`/api/me/...`). */

/** The provider account behind a connection, where the provider says. */
export interface AccountIdentity {
  /** The provider's stable id of the account (`sub`, or APS's `userid`). */
  subject: string | null;
  email: string | null;
  name: string | null;
}

/** One connected account, `GET /api/me/connections`. Times are ISO 8601. */
export interface ConnectionView {
  integration: string;
  status: "connected" | "reconnect_required";
  scopes: string[];
  expiresAt: string;
  connectedAt: string;
  lastRefreshedAt: string | null;
  account: AccountIdentity | null;
}
