// What the platforms' gateways do with paths, and the emulators must do too, over real HTTP on the
// composed emulators: repeated slashes in any path (the authorization server's routes and the whole code
// flow too), and each platform's own 404 body outside its routes.
import { beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulators/index.ts";
import { EVO_ORG_ID } from "../../src/emulators/shared/seedSeequent.ts";
import { signInAtEmulator } from "../helpers/browser.ts";
import { WEB_REDIRECT, getRaw, useEmulators } from "../helpers/emulatorAuthServers.ts";
import {
  AUTODESK_PATHS,
  BENTLEY_PATHS,
  SERVICE_CLIENT,
  basic,
  pkce,
  postForm,
  serviceToken,
  webCodeFlow,
} from "../helpers/emulatorOAuth.ts";

const ALICE = "alice@example.com";
const emulators = useEmulators();

/** `path` with every slash doubled (the query untouched). */
const doubled = (path: string) => {
  const [p, q] = path.split("?");
  return `${p!.replaceAll("/", "//")}${q === undefined ? "" : `?${q}`}`;
};

describe("repeated slashes in a path", () => {
  let bentleyToken: string;
  let apsUserToken: string;
  let evoToken: string;
  beforeAll(async () => {
    bentleyToken = (await serviceToken(emulators().bentley.url, BENTLEY_PATHS, "itwin-platform"))
      .access_token;
    evoToken = (await serviceToken(emulators().bentley.url, BENTLEY_PATHS, "evo.discovery evo.workspace"))
      .access_token;
    apsUserToken = (
      await webCodeFlow(emulators().autodesk.url, AUTODESK_PATHS, {
        redirectUri: WEB_REDIRECT,
        scope: "data:read",
        email: ALICE,
      })
    ).access_token;
  });

  const cases: { name: string; emulator: () => Emulator; path: string; token?: () => string }[] = [
    { name: "IMS discovery", emulator: () => emulators().bentley, path: "/.well-known/openid-configuration" },
    { name: "IMS JWKS", emulator: () => emulators().bentley, path: "/.well-known/openid-configuration/jwks" },
    {
      name: "APS discovery",
      emulator: () => emulators().autodesk,
      path: "/.well-known/openid-configuration",
    },
    { name: "APS keys", emulator: () => emulators().autodesk, path: "/authentication/v2/keys" },
    {
      name: "iTwins",
      emulator: () => emulators().bentley,
      path: "/itwins/?$top=2",
      token: () => bentleyToken,
    },
    {
      name: "iModels (an error answer)",
      emulator: () => emulators().bentley,
      path: "/imodels/",
      token: () => bentleyToken,
    },
    {
      name: "APS hubs",
      emulator: () => emulators().autodesk,
      path: "/project/v1/hubs",
      token: () => apsUserToken,
    },
    {
      name: "APS userinfo",
      emulator: () => emulators().autodesk,
      path: "/userinfo",
      token: () => apsUserToken,
    },
    {
      name: "Evo discovery",
      emulator: () => emulators().seequent,
      path: "/evo/identity/v2/discovery?service=evo",
      token: () => evoToken,
    },
    {
      name: "Evo workspaces",
      emulator: () => emulators().seequent,
      path: `/workspace/orgs/${EVO_ORG_ID}/workspaces?limit=2`,
      token: () => evoToken,
    },
    { name: "emulator stats", emulator: () => emulators().seequent, path: "/_emulator/stats" },
  ];
  for (const c of cases) {
    it(`${c.name}: //… answers as … does`, async () => {
      const base = c.emulator().url;
      const plain = await getRaw(base, c.path, c.token?.());
      const twice = await getRaw(base, doubled(c.path), c.token?.());
      expect(twice.status).toBe(plain.status);
      expect(twice.type).toBe(plain.type);
      expect(twice.text).toBe(plain.text);
    });
  }

  it("the token endpoints (//connect/token, //authentication/v2/token) issue tokens", async () => {
    for (const [base, path, scope] of [
      [emulators().bentley.url, "//connect//token", "itwin-platform"],
      [emulators().autodesk.url, "//authentication//v2/token", "data:read"],
    ] as const) {
      const answer = await postForm(
        `${base}${path}`,
        { grant_type: "client_credentials", scope },
        { authorization: basic(SERVICE_CLIENT.id, SERVICE_CLIENT.secret) },
      );
      expect(answer.status, path).toBe(200);
      expect(answer.json().access_token).toBeTruthy();
    }
  });

  it("the whole code flow runs from //connect//authorize, and introspection and revocation at // paths work", async () => {
    const { verifier, challenge } = pkce();
    const authorize = new URL(`${emulators().bentley.url}//connect//authorize`);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: "sandbox-web",
      redirect_uri: WEB_REDIRECT,
      scope: "openid itwin-platform",
      state: "slashes",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const { finalUrl } = await signInAtEmulator(authorize.href, { email: ALICE, password: "sandbox" });
    const code = new URL(finalUrl).searchParams.get("code")!;
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };
    const tokens = await postForm(
      `${emulators().bentley.url}//connect/token`,
      { grant_type: "authorization_code", code, redirect_uri: WEB_REDIRECT, code_verifier: verifier },
      auth,
    );
    expect(tokens.status).toBe(200);
    const accessToken = tokens.json<{ access_token: string }>().access_token;
    const active = await postForm(
      `${emulators().bentley.url}//connect//introspect`,
      { token: accessToken },
      auth,
    );
    expect(active.json()).toMatchObject({ active: true });
    expect(
      (await postForm(`${emulators().bentley.url}///connect/revocation`, { token: accessToken }, auth))
        .status,
    ).toBe(200);
    const after = await postForm(
      `${emulators().bentley.url}/connect/introspect`,
      { token: accessToken },
      auth,
    );
    expect(after.json()).toEqual({ active: false });
  });
});

describe("404 outside every route: the platform's own body", () => {
  it("Bentley: ResourceNotFound / OperationNotFound, also under /connect", async () => {
    for (const path of ["/nope", "/connect/nope", "/.well-known/nope"]) {
      const answer = await getRaw(emulators().bentley.url, path);
      expect(answer.status, path).toBe(404);
      expect(answer.type).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toEqual({
        error: {
          code: "ResourceNotFound",
          message: "The requested resource or operation was not found.",
          details: [
            {
              code: "OperationNotFound",
              message: "Operation not found for the given route and Accept header.",
              target: path,
            },
          ],
        },
      });
    }
  });

  it("Autodesk: the API gateway's error body, also under /authentication/v2", async () => {
    for (const path of ["/nope", "/authentication/v2/nope", "/userprofile/v1/users/@me"]) {
      const answer = await getRaw(emulators().autodesk.url, path);
      expect(answer.status, path).toBe(404);
      expect(JSON.parse(answer.text)).toEqual({
        developerMessage: `The requested resource does not exist: ${path}`,
        userMessage: "",
        errorCode: "NOT_FOUND",
        "more info": "https://aps.autodesk.com/en/docs/oauth/v2/developers_guide/error_handling/",
      });
    }
    // Under an API's own prefix the API's error shape still answers (JSON:API for Data Management).
    const dm = await getRaw(emulators().autodesk.url, "/project/v1/nope");
    expect(JSON.parse(dm.text)).toMatchObject({ jsonapi: { version: "1.0" }, errors: [{ status: "404" }] });
  });

  it("Seequent: RFC 7807 problem JSON", async () => {
    const answer = await getRaw(emulators().seequent.url, "/nope");
    expect(answer.status).toBe(404);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.text)).toMatchObject({
      status: 404,
      title: "Not Found",
      detail: "No resource at /nope.",
    });
  });
});
