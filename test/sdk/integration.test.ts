/**
 * OAuth2Integration against local HTTP servers standing in for the hub's runtime token route and a
 * provider API: the bearer token, the one forced refresh on 401, bounded Retry-After, ProviderHttpError with
 * explanations, the hub's error codes as SDK error classes, and resolveUrl's host mapping.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  IntegrationNotAssignedError,
  IntegrationNotFoundError,
  LoginRequiredError,
  OAuth2Integration,
  ProviderHttpError,
  ProviderUnavailableError,
  explainApsHubsWarning,
  resolveUrl,
} from "../../src/sdk/index.ts";
import { runInInvocation, type InvocationContext } from "../../src/sdk/invocation.ts";
import { FORCED_REFRESH_MIN_INTERVAL_MS } from "../../src/vault/renewal.ts";

interface TokenCall {
  capability: string | undefined;
  body: { integration: string; forceRefresh?: boolean };
}
const tokenCalls: TokenCall[] = [];
const apiCalls: { path: string; authorization: string | undefined }[] = [];
let tokenCounter = 0;
/** Per-integration answer of the stub hub: a token, or a problem. */
let hubAnswer: (integration: string) => { status: number; body: unknown } = () => ({
  status: 200,
  body: {
    accessToken: `token-${++tokenCounter}`,
    tokenType: "Bearer",
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    scopes: [],
  },
});
/** The stub API's answers, in order, per path. */
const apiScript = new Map<string, { status: number; headers?: Record<string, string>; body: unknown }[]>();

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? "/";
      if (path === "/api/runtime/token") {
        const body = (await readJson(request)) as TokenCall["body"];
        tokenCalls.push({
          capability: request.headers["x-gatehouse-capability"] as string | undefined,
          body,
        });
        const answer = hubAnswer(body.integration);
        return send(response, answer.status, answer.body);
      }
      apiCalls.push({ path, authorization: request.headers.authorization });
      const next = apiScript.get(path.split("?")[0]!)?.shift() ?? { status: 200, body: { ok: true } };
      return send(response, next.status, next.body, next.headers);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  tokenCalls.length = 0;
  apiCalls.length = 0;
  apiScript.clear();
});

const context = (): InvocationContext => ({
  hubUrl: base,
  capability: "ghcap_test",
  hostMap: { "api.bentley.com": base, "*.api.seequent.com": base },
  tokens: new Map(),
});
const inView = <T>(fn: () => Promise<T>) => runInInvocation(context(), fn);

describe("getAccessToken", () => {
  it("needs a running view", async () => {
    await expect(new OAuth2Integration("x").getAccessToken()).rejects.toMatchObject({
      code: "outside_invocation",
    });
  });

  it("asks the hub with the invocation's capability, once per invocation", async () => {
    const token = await inView(async () => {
      const integration = new OAuth2Integration("bentley-itwin");
      const first = await integration.getAccessToken();
      expect(await integration.getAccessToken()).toBe(first);
      return first;
    });
    expect(token).toMatch(/^token-/);
    expect(tokenCalls).toEqual([{ capability: "ghcap_test", body: { integration: "bentley-itwin" } }]);
  });

  it("turns the hub's codes into the SDK's errors", async () => {
    const problems: Record<string, { status: number; body: unknown }> = {
      a: {
        status: 401,
        body: {
          code: "login_required",
          detail: "Sign in",
          loginUrl: "/api/integrations/oauth2/login/a?app=x",
        },
      },
      b: { status: 404, body: { code: "integration_not_found", detail: "none" } },
      c: { status: 403, body: { code: "integration_not_assigned", detail: "not yours" } },
      d: { status: 503, body: { code: "provider_unavailable", detail: "down" } },
    };
    const saved = hubAnswer;
    hubAnswer = (name) => problems[name]!;
    try {
      await inView(async () => {
        const login = new OAuth2Integration("a").getAccessToken();
        await expect(login).rejects.toBeInstanceOf(LoginRequiredError);
        await expect(login).rejects.toMatchObject({
          loginUrl: "/api/integrations/oauth2/login/a?app=x",
          status: 401,
        });
        await expect(new OAuth2Integration("b").getAccessToken()).rejects.toBeInstanceOf(
          IntegrationNotFoundError,
        );
        await expect(new OAuth2Integration("c").getAccessToken()).rejects.toBeInstanceOf(
          IntegrationNotAssignedError,
        );
        await expect(new OAuth2Integration("d").getAccessToken()).rejects.toBeInstanceOf(
          ProviderUnavailableError,
        );
      });
    } finally {
      hubAnswer = saved;
    }
  });

  it("refuses names that cannot be integrations", () => {
    expect(() => new OAuth2Integration("Not A Name")).toThrow(/is not an integration name/);
  });
});

describe("fetch", () => {
  it("sends the real URL to the mapped host with the bearer token", async () => {
    const body = await inView(
      async () =>
        (
          await new OAuth2Integration("i").fetch("https://api.bentley.com/itwins/?$top=1")
        ).json() as Promise<unknown>,
    );
    expect(body).toEqual({ ok: true });
    expect(apiCalls).toEqual([
      { path: "/itwins/?$top=1", authorization: expect.stringMatching(/^Bearer token-/) },
    ]);
  });

  it("on 401 forces one refresh and retries once with the new token", async () => {
    apiScript.set("/itwins/", [
      { status: 401, body: { error: { code: "InvalidToken", message: "expired" } } },
    ]);
    await inView(() => new OAuth2Integration("i").fetch("https://api.bentley.com/itwins/"));
    expect(tokenCalls.map((c) => c.body.forceRefresh ?? false)).toEqual([false, true]);
    expect(apiCalls).toHaveLength(2);
    expect(apiCalls[0]!.authorization).not.toBe(apiCalls[1]!.authorization);
  });

  it("gives up after the one retry with ProviderHttpError 401", async () => {
    const unauthorized = { status: 401, body: { error: { code: "InvalidToken", message: "no" } } };
    apiScript.set("/itwins/", [unauthorized, unauthorized]);
    const err = await inView(() => new OAuth2Integration("i").fetch("https://api.bentley.com/itwins/")).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderHttpError);
    expect(err).toMatchObject({ providerStatus: 401, providerCode: "InvalidToken" });
    expect(tokenCalls.filter((c) => c.body.forceRefresh)).toHaveLength(1);
  });

  it("calls refused together share one forced refresh, and retry with its token", async () => {
    const unauthorized = { status: 401, body: { error: { code: "InvalidToken", message: "expired" } } };
    apiScript.set("/itwins/", [unauthorized, unauthorized, unauthorized]);
    const statuses = await inView(async () => {
      const integration = new OAuth2Integration("i");
      await integration.getAccessToken();
      const answers = await Promise.all(
        [1, 2, 3].map(() => integration.fetch("https://api.bentley.com/itwins/")),
      );
      return answers.map((a) => a.status);
    });
    expect(statuses).toEqual([200, 200, 200]);
    expect(tokenCalls.map((c) => c.body.forceRefresh ?? false)).toEqual([false, true]);
    expect(new Set(apiCalls.slice(3).map((c) => c.authorization)).size).toBe(1);
    expect(apiCalls[3]!.authorization).not.toBe(apiCalls[0]!.authorization);
  });

  it("forces a refresh at most once per integration every few seconds in an invocation", async () => {
    const unauthorized = { status: 401, body: { error: { code: "InvalidToken", message: "no" } } };
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(1_800_000_000_000);
      await inView(async () => {
        const integration = new OAuth2Integration("i");
        apiScript.set("/a", [unauthorized]);
        expect((await integration.fetch("https://api.bentley.com/a")).status).toBe(200);
        // Refused again with the token just forced, within the interval: no second refresh, no retry.
        apiScript.set("/b", [unauthorized]);
        vi.setSystemTime(1_800_000_000_000 + FORCED_REFRESH_MIN_INTERVAL_MS - 1);
        await expect(integration.fetch("https://api.bentley.com/b")).rejects.toMatchObject({
          providerStatus: 401,
        });
        expect(apiCalls.filter((c) => c.path === "/b")).toHaveLength(1);
        // Past the interval, a 401 forces a refresh again.
        apiScript.set("/c", [unauthorized]);
        vi.setSystemTime(1_800_000_000_000 + FORCED_REFRESH_MIN_INTERVAL_MS);
        expect((await integration.fetch("https://api.bentley.com/c")).status).toBe(200);
      });
    } finally {
      vi.useRealTimers();
    }
    expect(tokenCalls.map((c) => c.body.forceRefresh ?? false)).toEqual([false, true, true]);
  });

  it("honours a short Retry-After and refuses to wait for a long one", async () => {
    apiScript.set("/a", [{ status: 429, headers: { "retry-after": "0" }, body: {} }]);
    const ok = await inView(() => new OAuth2Integration("i").fetch("https://api.bentley.com/a"));
    expect(ok.status).toBe(200);
    apiScript.set("/b", [
      { status: 429, headers: { "retry-after": "3600" }, body: { error: { code: "RateLimitExceeded" } } },
    ]);
    const err = await inView(() => new OAuth2Integration("i").fetch("https://api.bentley.com/b")).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ providerStatus: 429, code: "provider_http_error" });
    expect(apiCalls.filter((c) => c.path === "/b")).toHaveLength(1);
  });

  it("explains Bentley's InsufficientPermissions: the scope is fine, the role lacks a permission", async () => {
    const body = {
      error: {
        code: "InsufficientPermissions",
        message: "The user has insufficient permissions for the requested operation.",
      },
    };
    apiScript.set("/imodels/", [{ status: 403, body }]);
    const err = (await inView(() =>
      new OAuth2Integration("i").fetch("https://api.bentley.com/imodels/?iTwinId=x"),
    ).catch((e: unknown) => e)) as ProviderHttpError;
    expect(err).toBeInstanceOf(ProviderHttpError);
    expect(err.body).toEqual(body);
    expect(err.providerStatus).toBe(403);
    expect(err.explanation).toMatch(
      /scope \(itwin-platform\) is fine, but your role on this iTwin lacks a permission the call needs \(imodels_read\)/,
    );
  });

  it("passes other failures on with the parsed body", async () => {
    apiScript.set("/x", [
      { status: 404, body: { errors: [{ status: "404", code: "NOT_FOUND", detail: "No hub" }] } },
    ]);
    const err = await inView(() => new OAuth2Integration("i").fetch("https://uk.api.seequent.com/x")).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      providerStatus: 404,
      providerCode: "NOT_FOUND",
      message: expect.stringContaining("No hub"),
    });
  });

  it("reports an unreachable provider as ProviderUnavailableError", async () => {
    const err = await inView(() =>
      new OAuth2Integration("i").fetch("http://127.0.0.1:9/nothing", { timeoutMs: 2000 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
  });
});

describe("resolveUrl and explanations", () => {
  it("maps the real API hosts (and *.api.seequent.com) in a view, and nothing else", async () => {
    await inView(async () => {
      expect(resolveUrl("https://api.bentley.com/itwins/?a=1")).toBe(`${base}/itwins/?a=1`);
      expect(resolveUrl("https://uk.api.seequent.com/w")).toBe(`${base}/w`);
      expect(resolveUrl("https://api.seequent.com.evil.example/w")).toBe(
        "https://api.seequent.com.evil.example/w",
      );
      expect(resolveUrl("https://example.com/")).toBe("https://example.com/");
    });
    expect(resolveUrl("https://api.bentley.com/x")).toBe("https://api.bentley.com/x");
  });

  it("recognises an APS hubs answer with a BIM360DM_ERROR warning and no data", () => {
    const warned = {
      data: [],
      meta: {
        warnings: [
          {
            HttpStatusCode: "403",
            ErrorCode: "BIM360DM_ERROR",
            Title: "Unable to get hubs from BIM360DM US.",
          },
        ],
      },
    };
    expect(explainApsHubsWarning(warned)).toMatch(/has not added this app as a custom integration/);
    expect(explainApsHubsWarning({ data: [] })).toBeNull();
    expect(explainApsHubsWarning({ data: [{ id: "b.1" }], meta: warned.meta })).toBeNull();
  });
});
