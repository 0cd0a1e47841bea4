import { PassThrough } from "node:stream";
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { tokenAnswerJson } from "./appTokens.ts";
import { HeldTokenLane, parseTokenUrl } from "./heldTokenLane.ts";

const PATH = "/api/apps/itwin-browser/integrations/bentley-itwin/token";

describe("parseTokenUrl", () => {
  it("reads the app, the integration and a plain minValidity", () => {
    expect(parseTokenUrl(PATH)).toEqual({
      app: "itwin-browser",
      name: "bentley-itwin",
      minValidity: undefined,
    });
    expect(parseTokenUrl(`${PATH}?minValidity=86400`)?.minValidity).toBe("86400");
  });

  it("leaves every other URL to the router and the schema", () => {
    for (const url of [
      `${PATH}/`,
      `${PATH}?`,
      `${PATH}?minValidity=`,
      `${PATH}?minValidity=123456`,
      `${PATH}?minValidity=1&minValidity=2`,
      `${PATH}?other=1`,
      `${PATH}?minValidity=1#x`,
      PATH.replace("itwin-browser", "itwin%2Dbrowser"),
      PATH.replace("itwin-browser", "Itwin-browser"),
      PATH.replace("itwin-browser", "-itwin"),
      PATH.replace("bentley-itwin", "bentley.itwin"),
      PATH.replace("bentley-itwin", "x".repeat(65)),
      `//${PATH.slice(1)}`,
      `http://hub${PATH}`,
      PATH.replace("/token", "/tokens"),
    ])
      expect(parseTokenUrl(url), url).toBeNull();
  });
});

describe("HeldTokenLane", () => {
  const token = Object.freeze({
    accessToken: "eyJ.held",
    tokenType: "Bearer" as const,
    expiresAt: Date.UTC(2026, 11, 1, 12),
    scopes: Object.freeze(["itwin-platform"]),
  });
  const grant = { id: "pat-1", scopes: ["tokens:read"] as const, apps: null, expiresAt: Infinity };

  /** A lane over fakes, and what it was asked and told. `state` says what is held and allowed. */
  function lane(
    state: Partial<{
      pat: boolean;
      token: boolean;
      apps: string[] | null;
      closing: boolean;
      debug: boolean;
    }> = {},
  ) {
    const s = { pat: true, token: true, apps: null, closing: false, debug: false, ...state };
    const told = { ok: 0, answered: [] as number[], asked: [] as unknown[] };
    const held = new HeldTokenLane({
      credentials: {
        heldPersonalAccessToken: (presented) =>
          s.pat && presented === "gth_good"
            ? ({
                user: { id: "u-1", email: "a@example.com", role: "user" },
                token: { ...grant, apps: s.apps },
              } as never)
            : undefined,
      },
      appTokens: {
        heldTokenForApp: (...args) => {
          told.asked.push(args);
          return s.token ? token : null;
        },
      },
      metrics: { tokenRequest: (outcome) => void (outcome === "ok" && told.ok++) },
      accessLog: { perRequest: s.debug, answered: (status) => void told.answered.push(status) },
      closing: () => s.closing,
    });
    return { held, told };
  }

  function request(
    url: string,
    headers: Record<string, string> = { authorization: "Bearer gth_good" },
    method = "GET",
  ) {
    const req = new IncomingMessage(new Socket());
    req.method = method;
    req.url = url;
    req.headers = headers;
    const res = new ServerResponse(req);
    const sink = new PassThrough();
    let written = "";
    sink.on("data", (chunk: Buffer) => (written += chunk.toString("latin1")));
    res.assignSocket(sink as unknown as Socket);
    return { req, res, written: () => written };
  }

  it("answers a held token the route may give, with the API's headers, counted once", async () => {
    const { held, told } = lane();
    const r = request(`${PATH}?minValidity=120`);
    expect(held.answer(r.req, r.res)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    const text = r.written();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
    expect(text).toMatch(/\r\ncache-control: no-store\r\n/i);
    expect(text).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    expect(text.endsWith(`\r\n\r\n${tokenAnswerJson(token)}`)).toBe(true);
    expect(told.asked).toEqual([["itwin-browser", "bentley-itwin", "u-1", { minValiditySeconds: 120 }]]);
    expect(told.ok).toBe(1);
    expect(told.answered).toEqual([200]);
  });

  it("hands every other request to Fastify untouched", () => {
    const cases: [string, ReturnType<typeof lane>, ReturnType<typeof request>][] = [
      ["HEAD", lane(), request(PATH, undefined, "HEAD")],
      ["POST", lane(), request(PATH, undefined, "POST")],
      ["closing", lane({ closing: true }), request(PATH)],
      ["a line per request (debug)", lane({ debug: true }), request(PATH)],
      ["a body", lane(), request(PATH, { authorization: "Bearer gth_good", "content-length": "2" })],
      [
        "chunked",
        lane(),
        request(PATH, { authorization: "Bearer gth_good", "transfer-encoding": "chunked" }),
      ],
      ["another URL", lane(), request(`${PATH}?other=1`)],
      ["no credential", lane(), request(PATH, {})],
      ["a session cookie", lane(), request(PATH, { cookie: "gatehouse_session=x" })],
      ["an empty bearer", lane(), request(PATH, { authorization: "Bearer " })],
      ["another scheme", lane(), request(PATH, { authorization: "Capability gth_good" })],
      ["a token not held", lane({ pat: false }), request(PATH)],
      ["a token for other apps", lane({ apps: ["acc-hubs"] }), request(PATH)],
      ["no held access token", lane({ token: false }), request(PATH)],
    ];
    for (const [what, { held, told }, r] of cases) {
      expect(held.answer(r.req, r.res), what).toBe(false);
      expect(r.res.headersSent, what).toBe(false);
      expect(told.ok + told.answered.length, what).toBe(0);
    }
  });

  it("holds a token without tokens:read to its scopes", () => {
    const { held } = lane();
    const noScope = new HeldTokenLane({
      ...(held as unknown as { deps: ConstructorParameters<typeof HeldTokenLane>[0] }).deps,
      credentials: {
        heldPersonalAccessToken: () =>
          ({ user: { id: "u-1" }, token: { ...grant, scopes: ["apps:run"] } }) as never,
      },
    });
    const r = request(PATH);
    expect(noScope.answer(r.req, r.res)).toBe(false);
  });
});
