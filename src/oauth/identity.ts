/**
 * Who an account is, as far as the provider said: the subject, email and name from an ID token's claims,
 * a userinfo answer, or (for display only) a JWT access token's claims. Each source is parsed with a
 * schema that keeps only well-formed strings; nothing here verifies a signature.
 */
import { decodeJwt } from "jose";
import { z } from "zod";

export interface AccountIdentity {
  subject: string | null;
  email: string | null;
  name: string | null;
}

export const UNKNOWN_IDENTITY: AccountIdentity = Object.freeze({ subject: null, email: null, name: null });

const claim = z.string().trim().min(1).max(320).optional().catch(undefined);
const identityClaims = z.looseObject({
  sub: claim,
  email: claim,
  name: claim,
  preferred_username: claim,
  given_name: claim,
  family_name: claim,
});

/** The identity in a claims object (OIDC standard claims); anything missing or malformed is null. */
export function identityFromClaims(claims: unknown): AccountIdentity {
  const parsed = identityClaims.safeParse(claims);
  if (!parsed.success) return UNKNOWN_IDENTITY;
  const c = parsed.data;
  const fullName = [c.given_name, c.family_name].filter(Boolean).join(" ");
  const email = c.email && /^[^\s@]+@[^\s@]+$/.test(c.email) ? c.email : null;
  return {
    subject: c.sub ?? null,
    email,
    name: c.name ?? (fullName || (c.preferred_username !== email ? (c.preferred_username ?? null) : null)),
  };
}

/** The identity in a JWT's payload (an ID token, or a structured access token); unknown for anything else. */
export function identityFromJwt(token: string | null): AccountIdentity {
  if (!token) return UNKNOWN_IDENTITY;
  try {
    return identityFromClaims(decodeJwt(token));
  } catch {
    return UNKNOWN_IDENTITY;
  }
}

/** Fills each field from the first source that has it. */
export function mergeIdentities(...sources: AccountIdentity[]): AccountIdentity {
  const pick = (field: keyof AccountIdentity) => sources.find((s) => s[field] !== null)?.[field] ?? null;
  return { subject: pick("subject"), email: pick("email"), name: pick("name") };
}

/** True when the identity names a person (an email or a name), not just an opaque subject. */
export const namesSomeone = (identity: AccountIdentity): boolean =>
  identity.email !== null || identity.name !== null;

/** "alice@example.com (Alice Anders)", "Alice Anders", "user 5b1c…", or null when nothing is known. */
export function describeIdentity(identity: AccountIdentity): string | null {
  if (identity.email && identity.name) return `${identity.email} (${identity.name})`;
  if (identity.email || identity.name) return identity.email ?? identity.name;
  return identity.subject ? `user ${identity.subject}` : null;
}
