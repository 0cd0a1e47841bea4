/**
 * Verifies the access tokens an emulated authorization server issued: signature against its key set,
 * expiry, issuer and token type. The resource APIs get one of these in their context and never parse
 * tokens themselves (Seequent's APIs get Bentley's, since Evo signs in through IMS).
 */
import {
  createLocalJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import { AccessTokenError, type VerifiedToken, type VerifyAccessToken } from "./accessToken.ts";

export interface TokenVerifierOptions {
  /** The authorization server's issuer (its base URL). Read on every call, so it may be set after listen. */
  issuer: () => string;
  /** The public keys the authorization server signs with. */
  jwks: JSONWebKeySet;
  /** Whether the token with this `jti` was revoked (access tokens are JWTs, so revocation is a deny list). */
  isRevoked?: (jti: string | undefined) => boolean;
  /** Allowed clock skew in seconds (default 0: the emulator and its APIs share a clock). */
  clockToleranceSeconds?: number;
  /** The emulator's clock, epoch ms (default the machine's; the clock knob moves it ahead). */
  now?: () => number;
}

function scopesOf(payload: JWTPayload): string[] {
  const scope = payload.scope;
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === "string");
  if (typeof scope === "string") return scope.split(" ").filter(Boolean);
  return [];
}

/** Builds a `VerifyAccessToken` for one authorization server. */
export function createTokenVerifier(options: TokenVerifierOptions): VerifyAccessToken {
  const keys = createLocalJWKSet(options.jwks);

  return async (authorizationHeader) => {
    if (authorizationHeader === undefined || authorizationHeader.trim() === "") {
      throw new AccessTokenError("missing", "No Authorization header.");
    }
    const match = /^Bearer +([A-Za-z0-9\-_.~+/]+=*)$/i.exec(authorizationHeader.trim());
    if (!match?.[1]) {
      throw new AccessTokenError("malformed", "The Authorization header is not 'Bearer <token>'.");
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, {
        issuer: options.issuer(),
        typ: "at+jwt",
        clockTolerance: options.clockToleranceSeconds ?? 0,
        currentDate: new Date(options.now?.() ?? Date.now()),
        requiredClaims: ["exp", "sub", "client_id"],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new AccessTokenError("expired", "The access token has expired.");
      }
      if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
        throw new AccessTokenError("malformed", "The access token is not a well-formed JWT.");
      }
      throw new AccessTokenError("invalid", "The access token is not valid.");
    }

    if (options.isRevoked?.(payload.jti)) {
      throw new AccessTokenError("invalid", "The access token has been revoked.");
    }

    const subject = payload.sub!;
    const clientId = payload.client_id as string;
    return {
      subject,
      clientId,
      scopes: scopesOf(payload),
      expiresAt: payload.exp!,
      // Client-credentials tokens carry the client as their subject.
      isService: subject === clientId,
    } satisfies VerifiedToken;
  };
}
