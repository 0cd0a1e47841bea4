import type { PatScope } from "../../../src/hub/patScopes.ts";

export type { PatScope };

/** A personal access token as the hub lists it (never the token itself). */
export interface TokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  expired: boolean;
  scopes: PatScope[];
  /** Null: every app. */
  apps: string[] | null;
}

/** What each scope lets a token do, in the words of the Access tokens page. */
export const PAT_SCOPE_WORDS: Record<PatScope, string> = {
  "tokens:read": "get access tokens for app code (the token API)",
  "apps:run": "list apps and run their views",
  admin: "the admin API (you are an admin)",
};
