import { randomBytes } from "node:crypto";
import { fakeOrigin, interceptOrigin, releaseOrigin } from "./fetchIntercept.ts";

/**
 * A token endpoint for the vault's unit tests, where the provider's behaviour must be steered exactly (fail
 * the next N calls, answer invalid_grant, hook into a refresh). It speaks RFC 6749 on `/connect/token` and
 * RFC 7009 on `/connect/revocation` and does not check client credentials. It runs in this process: fetch
 * calls to its `url` reach it, through the OAuth engine as they would over the wire, with no server.
 */
export interface FakeTokenServer {
  url: string;
  /** Token-endpoint calls by grant type, and revocations. */
  calls: { refresh_token: number; client_credentials: number; revocation: number };
  revoked: { token: string; hint: string | null }[];
  /** Seconds of validity of each access token issued. */
  lifetimeSeconds: number;
  /** A refresh issues a new refresh token and retires the old one. */
  rotate: boolean;
  /** Answer refreshes without a refresh_token field (a provider that never rotates; overrides `rotate`). */
  omitRefreshToken: boolean;
  /** Token-endpoint calls still to fail, and how. */
  failNext: number;
  failWith: "503" | "429" | "invalid_grant" | "invalid_client";
  retryAfterSeconds: number;
  /** Runs before a refresh is answered (e.g. to change the database as another process would). */
  beforeRefresh?: (refreshToken: string) => Promise<void>;
  /** Issues a fresh pair as a code exchange would, and registers the refresh token. */
  issue(): { accessToken: string; refreshToken: string; expiresAt: number };
  resetCounts(): void;
  close(): Promise<void>;
}

const token = (prefix: string): string => `${prefix}-${randomBytes(12).toString("base64url")}`;

export async function startFakeTokenServer(): Promise<FakeTokenServer> {
  const liveRefreshTokens = new Set<string>();
  const fake: FakeTokenServer = {
    url: "",
    calls: { refresh_token: 0, client_credentials: 0, revocation: 0 },
    revoked: [],
    lifetimeSeconds: 3600,
    rotate: true,
    omitRefreshToken: false,
    failNext: 0,
    failWith: "503",
    retryAfterSeconds: 0,
    issue() {
      const refreshToken = token("rt");
      liveRefreshTokens.add(refreshToken);
      return { accessToken: token("at"), refreshToken, expiresAt: Date.now() + fake.lifetimeSeconds * 1000 };
    },
    resetCounts() {
      fake.calls = { refresh_token: 0, client_credentials: 0, revocation: 0 };
      fake.revoked = [];
    },
    close: async () => undefined,
  };

  const answer = async (
    path: string,
    form: URLSearchParams,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> => {
    if (path === "/connect/revocation") {
      fake.calls.revocation++;
      const value = form.get("token") ?? "";
      fake.revoked.push({ token: value, hint: form.get("token_type_hint") });
      liveRefreshTokens.delete(value);
      return { status: 200, body: "" };
    }
    if (path !== "/connect/token") return { status: 404, body: { error: "not_found" } };
    const grant = form.get("grant_type");
    if (grant === "refresh_token") fake.calls.refresh_token++;
    else if (grant === "client_credentials") fake.calls.client_credentials++;
    else return { status: 400, body: { error: "unsupported_grant_type" } };

    if (fake.failNext > 0) {
      fake.failNext--;
      if (fake.failWith === "503") return { status: 503, body: { error: "temporarily_unavailable" } };
      if (fake.failWith === "429") {
        return {
          status: 429,
          body: { error: "slow_down" },
          headers: { "retry-after": String(fake.retryAfterSeconds) },
        };
      }
      if (fake.failWith === "invalid_client") return { status: 401, body: { error: "invalid_client" } };
      return { status: 400, body: { error: "invalid_grant", error_description: "refresh token refused" } };
    }
    if (grant === "client_credentials") {
      return {
        status: 200,
        body: {
          access_token: token("svc"),
          token_type: "Bearer",
          expires_in: fake.lifetimeSeconds,
          scope: form.get("scope") ?? "",
        },
      };
    }
    const presented = form.get("refresh_token") ?? "";
    if (fake.beforeRefresh) await fake.beforeRefresh(presented);
    if (!liveRefreshTokens.has(presented)) {
      return {
        status: 400,
        body: { error: "invalid_grant", error_description: "unknown or used refresh token" },
      };
    }
    let refreshToken: string | undefined;
    if (fake.rotate && !fake.omitRefreshToken) {
      liveRefreshTokens.delete(presented);
      refreshToken = token("rt");
      liveRefreshTokens.add(refreshToken);
    }
    return {
      status: 200,
      body: {
        access_token: token("at"),
        token_type: "Bearer",
        expires_in: fake.lifetimeSeconds,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
      },
    };
  };

  fake.url = fakeOrigin("fake-idp");
  interceptOrigin(fake.url, async (request) => {
    const form = new URLSearchParams(await request.text());
    try {
      const { status, body, headers } = await answer(new URL(request.url).pathname, form);
      const text = typeof body === "string" ? body : JSON.stringify(body);
      return new Response(text, {
        status,
        headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
      });
    } catch {
      return new Response(null, { status: 500 });
    }
  });
  fake.close = () => {
    releaseOrigin(fake.url);
    return Promise.resolve();
  };
  return fake;
}
