/**
 * Introspection and revocation of JWT access tokens. oidc-provider refuses both for structured tokens
 * (`unsupported_token_type`), but the real platforms accept them: APS documents revoking and
 * introspecting access tokens, and IMS introspects them. So the emulator answers these requests itself
 * when the token is a JWT, and hands every other token (refresh tokens) to oidc-provider unchanged.
 * A revoked access token goes on the deny list (`state/revocationList.ts`) that the emulator's token
 * verifier consults, so the APIs refuse it too, also after a restart.
 */
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import type { RevocationList } from "../state/index.ts";
import { authenticateClient } from "./clientAuthentication.ts";
import type { SandboxClients } from "./clients.ts";
import type { JsonAnswer } from "./rawHttp.ts";

export function isJwt(token: string): boolean {
  try {
    decodeProtectedHeader(token);
    return token.split(".").length === 3;
  } catch {
    return false;
  }
}

const invalidClient: JsonAnswer = {
  status: 401,
  headers: { "www-authenticate": 'Basic realm="emulator"' },
  body: { error: "invalid_client", error_description: "client authentication failed" },
};

export interface JwtTokenEndpoints {
  introspect(authorization: string | undefined, form: URLSearchParams): Promise<JsonAnswer>;
  revoke(authorization: string | undefined, form: URLSearchParams): Promise<JsonAnswer>;
}

export function jwtTokenEndpoints(options: {
  clients: SandboxClients;
  jwks: JSONWebKeySet;
  issuer: () => string;
  revoked: RevocationList;
  /** The emulator's clock, epoch ms: a token it calls expired is inactive here too. */
  now: () => number;
}): JwtTokenEndpoints {
  const keys = createLocalJWKSet(options.jwks);

  /** The payload of a token this server issued to `clientId`, still valid and not revoked; else null. */
  const ownActiveToken = async (token: string, clientId: string): Promise<JWTPayload | null> => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer(),
        typ: "at+jwt",
        currentDate: new Date(options.now()),
      });
      if (payload.client_id !== clientId || options.revoked.has(payload.jti)) return null;
      return payload;
    } catch {
      return null;
    }
  };

  return {
    async introspect(authorization, form) {
      const clientId = authenticateClient(options.clients, authorization, form);
      if (!clientId) return invalidClient;
      const payload = await ownActiveToken(form.get("token") ?? "", clientId);
      if (!payload) return { status: 200, body: { active: false } };
      const scope = Array.isArray(payload.scope) ? payload.scope.join(" ") : payload.scope;
      return { status: 200, body: { ...payload, scope, active: true, token_type: "Bearer" } };
    },
    async revoke(authorization, form) {
      const clientId = authenticateClient(options.clients, authorization, form);
      if (!clientId) return invalidClient;
      const payload = await ownActiveToken(form.get("token") ?? "", clientId);
      // RFC 7009: an unknown or foreign token is answered like a revoked one.
      if (payload?.jti && payload.exp) options.revoked.add(payload.jti, payload.exp);
      return { status: 200 };
    },
  };
}
