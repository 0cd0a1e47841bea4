/**
 * returnTo values that would send a browser off the hub, one list for the rule (src/hub/returnTo.ts) and
 * the connect flow that applies it: each must come back as "/".
 */
export const HOSTILE_RETURN_TO = [
  "https://evil.example",
  "//evil.example",
  "/\\evil.example",
  "/\t/evil.example",
  "javascript:alert(1)",
  "evil.example",
  "",
  // Each passes a check of the raw text, then normalises into a scheme-relative URL (another host; issue 12).
  "/.//evil.example/x",
  "/%2e%2e//evil.example/x",
  "/%2E//evil.example/x",
  "/a/..//evil.example/x",
  "/a/b/../..//evil.example/x",
  "/././/evil.example",
] as const;
