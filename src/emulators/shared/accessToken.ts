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

/** How one platform words a bearer-token failure: its own error bodies, built by its own `errors` table. */
export interface BearerFailures {
  /** No `Authorization` header, or an empty one. */
  missing(): Error;
  /** A token that did not verify; `expired` tells an outdated token from any other bad one. */
  rejected(expired: boolean): Error;
  /** A valid token without the scope the API asks for. */
  missingScope(): Error;
}

/**
 * Verifies the request's bearer token with the emulator's verifier and that it carries `scope`, turning
 * every AccessTokenError into the platform's own error; any other error propagates unchanged.
 */
export async function verifyBearer(
  authorizationHeader: string | undefined,
  verify: VerifyAccessToken,
  scope: string,
  failures: BearerFailures,
): Promise<VerifiedToken> {
  if (authorizationHeader === undefined || authorizationHeader.trim() === "") throw failures.missing();
  let token: VerifiedToken;
  try {
    token = await verify(authorizationHeader);
  } catch (err) {
    if (err instanceof AccessTokenError) {
      if (err.problem === "missing") throw failures.missing();
      throw failures.rejected(err.problem === "expired");
    }
    throw err;
  }
  if (!token.scopes.includes(scope)) throw failures.missingScope();
  return token;
}
