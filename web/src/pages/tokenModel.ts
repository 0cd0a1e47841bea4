import type { PatScope } from "../../../src/api/identity.ts";

export type { PatScope, TokenInfo } from "../../../src/api/identity.ts";

/** What each scope lets a token do, in the words of the Access tokens page. */
export const PAT_SCOPE_WORDS: Record<PatScope, string> = {
  "tokens:read": "get access tokens for app code (the token API)",
  "apps:run": "list apps and run their views",
  admin: "the admin API (you are an admin)",
};
