/**
 * The contract between an emulator's authorization server and its resource APIs: the APIs never parse
 * tokens themselves, they ask a verifier (JWKS signature, expiry, audience) and get the caller back.
 */
export interface VerifiedToken {
  /** User id (see users.ts) for user tokens; the client id for client-credentials tokens. */
  subject: string;
  clientId: string;
  scopes: string[];
  /** Epoch seconds. */
  expiresAt: number;
  /** True for client-credentials tokens (the app acting as itself). */
  isService: boolean;
}

export type AccessTokenProblem = "missing" | "malformed" | "invalid" | "expired";

export class AccessTokenError extends Error {
  constructor(
    readonly problem: AccessTokenProblem,
    message: string,
  ) {
    super(message);
    this.name = "AccessTokenError";
  }
}

/** Verifies the `Authorization` header value; throws AccessTokenError. */
export type VerifyAccessToken = (authorizationHeader: string | undefined) => Promise<VerifiedToken>;
