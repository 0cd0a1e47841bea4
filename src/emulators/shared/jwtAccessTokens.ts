/**
 * Introspection and revocation of JWT access tokens. oidc-provider refuses both for structured tokens
 * (`unsupported_token_type`), but the real platforms accept them: APS documents revoking and
 * introspecting access tokens, and IMS introspects them. So the emulator answers these requests itself
 * when the token is a JWT, and hands every other token (refresh tokens) to oidc-provider unchanged.
 * A revoked access token goes on a deny list that the emulator's token verifier consults, so the APIs
 * refuse it too.
 */
import { timingSafeEqual } from "node:crypto";
import { IncomingMessage } from "node:http";
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";
import type { SandboxClients } from "./clients.ts";

const MAX_BODY_BYTES = 56 * 1024;

export class RevokedAccessTokens {
  /** jti → expiry (epoch seconds); entries leave once the token would have expired anyway. */
  #revoked = new Map<string, number>();

  add(jti: string, exp: number): void {
    this.#sweep();
    this.#revoked.set(jti, exp);
  }

  has(jti: string | undefined): boolean {
    return jti !== undefined && this.#revoked.has(jti);
  }

  #sweep(): void {
    const now = Math.floor(Date.now() / 1000);
    for (const [jti, exp] of this.#revoked) if (exp < now) this.#revoked.delete(jti);
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** A copy of `original` whose body can be read again (for handing a consumed request on). */
export function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(original.socket);
  replay.method = original.method;
  replay.url = original.url;
  replay.headers = original.headers;
  replay.rawHeaders = original.rawHeaders;
  replay.httpVersion = original.httpVersion;
  replay.httpVersionMajor = original.httpVersionMajor;
  replay.httpVersionMinor = original.httpVersionMinor;
  // Marked complete, or destroying the finished replay would take the shared socket down with it.
  replay.complete = true;
  replay.push(body);
  replay.push(null);
  return replay;
}

export function isJwt(token: string): boolean {
  try {
    decodeProtectedHeader(token);
    return token.split(".").length === 3;
  } catch {
    return false;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface JsonAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Undefined: an empty body. */
  body?: unknown;
}

const invalidClient: JsonAnswer = {
  status: 401,
  headers: { "www-authenticate": 'Basic realm="emulator"' },
  body: { error: "invalid_client", error_description: "client authentication failed" },
};

/** Authenticates the calling client the way the token endpoint does (Basic, form body, or public). */
function authenticateClient(
  clients: SandboxClients,
  authorization: string | undefined,
  form: URLSearchParams,
): string | null {
  let clientId = form.get("client_id");
  let secret = form.get("client_secret");
  if (authorization?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      return null;
    }
  }
  if (!clientId) return null;
  const metadata = clients.metadata(clientId);
  if (!metadata) return null;
  if (metadata.token_endpoint_auth_method === "none") return secret ? null : clientId;
  return secret && metadata.client_secret && sameSecret(secret, metadata.client_secret) ? clientId : null;
}

export interface JwtTokenEndpoints {
  introspect(authorization: string | undefined, form: URLSearchParams): Promise<JsonAnswer>;
  revoke(authorization: string | undefined, form: URLSearchParams): Promise<JsonAnswer>;
}

export function jwtTokenEndpoints(options: {
  clients: SandboxClients;
  jwks: JSONWebKeySet;
  issuer: () => string;
  revoked: RevokedAccessTokens;
}): JwtTokenEndpoints {
  const keys = createLocalJWKSet(options.jwks);

  /** The payload of a token this server issued to `clientId`, still valid and not revoked; else null. */
  const ownActiveToken = async (token: string, clientId: string): Promise<JWTPayload | null> => {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: options.issuer(), typ: "at+jwt" });
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
