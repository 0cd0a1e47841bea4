/**
 * Which provider account a set of tokens belongs to, for people to read ("connected as alice@example.com"
 * on the account page, "signed in as …" in the CLI). Taken from what the provider says — ID token claims, a
 * userinfo answer, or the claims of a JWT access token — parsed as untrusted input (each field a bounded,
 * printable string). Display only: nothing is decided by it, so the claims of an access token are read
 * without checking its signature (it came straight from the token endpoint, as the ID token did).
 */
import { z } from "zod";

export type { AccountIdentity } from "../api/account.ts";
import type { AccountIdentity } from "../api/account.ts";

const LIMITS = { subject: 255, email: 320, name: 200 } as const;

/** A claim fit to show: a string, control characters gone, trimmed, within `max`; else null. */
function claimText(value: unknown, max: number): string | null {
  if (typeof value !== "string") return null;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is dropped
  const text = value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return text === "" || text.length > max ? null : text;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const claims = z.record(z.string(), z.unknown());

/** The identity in a set of claims (ID token, userinfo, access token), or null when they name nobody. */
export function identityFromClaims(input: unknown): AccountIdentity | null {
  const parsed = claims.safeParse(input);
  if (!parsed.success) return null;
  const c = parsed.data;
  const subject = claimText(c.sub, LIMITS.subject) ?? claimText(c.userid, LIMITS.subject);
  const emailClaim = claimText(c.email, LIMITS.email) ?? claimText(c.preferred_username, LIMITS.email);
  const email = emailClaim && EMAIL.test(emailClaim) ? emailClaim : null;
  const given = claimText(c.given_name, LIMITS.name);
  const family = claimText(c.family_name, LIMITS.name);
  const name =
    claimText(c.name, LIMITS.name) ??
    (given || family ? claimText([given, family].filter(Boolean).join(" "), LIMITS.name) : null);
  return subject || email || name ? { subject, email, name } : null;
}

/** The payload of a JWT as JSON, or null for anything that is not one (opaque tokens are common). */
export function jwtClaims(token: string | null | undefined): unknown {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

/** Field by field, the first identity that knows it. */
export function mergeIdentities(...identities: (AccountIdentity | null)[]): AccountIdentity | null {
  const merged: AccountIdentity = { subject: null, email: null, name: null };
  for (const identity of identities) {
    if (!identity) continue;
    merged.subject ??= identity.subject;
    merged.email ??= identity.email;
    merged.name ??= identity.name;
  }
  return merged.subject || merged.email || merged.name ? merged : null;
}

/** What a token answer says about its account: the ID token first, then a JWT access token. */
export function identityFromTokens(tokens: {
  idToken: string | null;
  accessToken: string;
}): AccountIdentity | null {
  return mergeIdentities(
    identityFromClaims(jwtClaims(tokens.idToken)),
    identityFromClaims(jwtClaims(tokens.accessToken)),
  );
}

/** True when the identity names a person (an email or a name), not just an opaque subject. */
export const namesSomeone = (identity: AccountIdentity | null): boolean =>
  identity !== null && (identity.email !== null || identity.name !== null);

/** "alice@example.com (Alice Anders)", "Alice Anders", "user 5b1c…", or null when nothing is known. */
export function describeIdentity(identity: AccountIdentity | null): string | null {
  if (!identity) return null;
  if (identity.email && identity.name) return `${identity.email} (${identity.name})`;
  if (identity.email || identity.name) return identity.email ?? identity.name;
  return identity.subject ? `user ${identity.subject}` : null;
}
