/**
 * A stand-in authorization server for testing the emulators' resource APIs on their own: a jose key pair,
 * a token signer, and a VerifyAccessToken backed by the public key — so API tests do not depend on the
 * oidc-provider side. Also serves the plugin under test from a Fastify app in this process, without a
 * server: fetch calls to its URL are answered through Fastify's inject.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { SignJWT, errors as joseErrors, generateKeyPair, jwtVerify, type CryptoKey } from "jose";
import {
  AccessTokenError,
  type VerifiedToken,
  type VerifyAccessToken,
} from "../../src/emulators/shared/accessToken.ts";
import { fakeOrigin, interceptOrigin, releaseOrigin } from "./fetchIntercept.ts";

const ISSUER = "https://ims.test.invalid";

export interface TokenRequest {
  subject: string;
  scopes: string[];
  clientId?: string;
  /** Seconds from now; negative gives an expired token. Default 3600. */
  expiresIn?: number;
}

export interface TestTokens {
  sign(request: TokenRequest): Promise<string>;
  /** A token signed by a key the verifier does not trust. */
  signWithStrangerKey(request: TokenRequest): Promise<string>;
  verify: VerifyAccessToken;
}

async function signWith(key: CryptoKey, request: TokenRequest): Promise<string> {
  const clientId = request.clientId ?? "sandbox-web";
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: clientId, scope: request.scopes })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setSubject(request.subject)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (request.expiresIn ?? 3600))
    .sign(key);
}

export async function createTestTokens(): Promise<TestTokens> {
  const trusted = await generateKeyPair("ES256");
  const stranger = await generateKeyPair("ES256");

  const verify: VerifyAccessToken = async (header) => {
    if (header === undefined || header.trim() === "")
      throw new AccessTokenError("missing", "no Authorization header");
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new AccessTokenError("malformed", "Authorization is not a Bearer token");
    try {
      const { payload } = await jwtVerify(match[1]!, trusted.publicKey, { issuer: ISSUER });
      const scope = payload.scope;
      const scopes = Array.isArray(scope)
        ? scope.map(String)
        : typeof scope === "string"
          ? scope.split(" ")
          : [];
      const clientId = String(payload.client_id);
      const subject = payload.sub ?? clientId;
      const token: VerifiedToken = {
        subject,
        clientId,
        scopes,
        expiresAt: payload.exp ?? 0,
        isService: subject === clientId,
      };
      return token;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AccessTokenError("expired", "token expired");
      throw new AccessTokenError("invalid", "token rejected");
    }
  };

  return {
    sign: (request) => signWith(trusted.privateKey, request),
    signWithStrangerKey: (request) => signWith(stranger.privateKey, request),
    verify,
  };
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a Fastify app at a made-up origin in this process; `mount` registers the plugin with a context
 * whose `baseUrl` is that origin (as the composition fills in its real one).
 */
export async function startApi(
  mount: (
    app: FastifyInstance,
    ctx: { verifyAccessToken: VerifyAccessToken; baseUrl: string },
  ) => Promise<void>,
  verify: VerifyAccessToken,
): Promise<RunningApi> {
  const app = Fastify({ logger: false });
  const ctx = { verifyAccessToken: verify, baseUrl: fakeOrigin("emulator-api") };
  await mount(app, ctx);
  await app.ready();
  interceptOrigin(ctx.baseUrl, async (request) => {
    const url = new URL(request.url);
    const answer = await app.inject({
      method: request.method as "GET",
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      ...(request.body ? { payload: Buffer.from(await request.arrayBuffer()) } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : [value])
        if (one !== undefined) headers.append(name, String(one));
    }
    const empty = answer.statusCode === 204 || answer.statusCode === 304;
    return new Response(empty ? null : new Uint8Array(answer.rawPayload), {
      status: answer.statusCode,
      headers,
    });
  });
  return {
    app,
    url: ctx.baseUrl,
    close: async () => {
      releaseOrigin(ctx.baseUrl);
      await app.close();
    },
  };
}

/** GET with a bearer token and headers; returns status, headers and parsed JSON body. */
export async function getJson(
  url: string,
  options: { token?: string; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read bodies after asserting their shape
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? null : JSON.parse(text) };
}
