/**
 * Setup of the `emulators-fidelity-*` suites, which check one platform's resource APIs against
 * PROVIDERS.md over real HTTP: that platform's API alone on a test key pair (emulatorApiHarness.ts), with a
 * stand-in for the composition's fault hook, and the composed emulators beside it for the same shapes with
 * real tokens and the real failure knob.
 *
 *   const fidelity = useFidelityApi("bentley");
 *   const alice = await fidelity.userToken(ALICE_ID, ["itwin-platform"]);
 *   await getJson(`${fidelity.api.url}/itwins/`, { token: alice });
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect } from "vitest";
import * as autodesk from "../../src/emulators/autodesk/api/index.ts";
import * as bentley from "../../src/emulators/bentley/api/index.ts";
import type { EmulatorContext } from "../../src/emulators/shared/context.ts";
import * as seequent from "../../src/emulators/seequent/api/index.ts";
import { SERVICE_SUBJECT } from "../../src/emulators/shared/seedIds.ts";
import { startEmulators, type Emulator, type Emulators } from "../../src/emulators/index.ts";
import {
  createTestTokens,
  getJson,
  startApi,
  type RunningApi,
  type TestTokens,
} from "./emulatorApiHarness.ts";

/**
 * Stands in for the composition's fault-injection hook: `x-test-fault: 429|503` answers with the
 * platform's own fault body (what the composition sends), so its shape is checked over HTTP here.
 */
function addFaultHook(
  app: FastifyInstance,
  contentType: string,
  faultBody: (status: number, url: string) => unknown,
): void {
  app.addHook("onRequest", async (request, reply) => {
    const fault = request.headers["x-test-fault"];
    if (typeof fault !== "string") return;
    const status = Number(fault);
    if (status === 429) void reply.header("retry-after", "3");
    return reply.code(status).type(contentType).send(faultBody(status, request.url));
  });
}

type Register = (app: FastifyInstance, ctx: EmulatorContext) => Promise<void>;

const PLATFORM_APIS: Record<
  "bentley" | "autodesk" | "seequent",
  { contentType: string; faultBody: (status: number, url: string) => unknown; register: Register }
> = {
  bentley: {
    contentType: bentley.BENTLEY_ERROR_CONTENT_TYPE,
    faultBody: bentley.faultBody,
    register: bentley.registerBentleyApi,
  },
  autodesk: {
    contentType: autodesk.AUTODESK_CONTENT_TYPE,
    faultBody: autodesk.faultBody,
    register: autodesk.registerAutodeskApi,
  },
  seequent: {
    contentType: seequent.PROBLEM_CONTENT_TYPE,
    faultBody: seequent.faultBody,
    register: seequent.registerSeequentApi,
  },
};

export interface FidelityApi {
  readonly tokens: TestTokens;
  /** The platform's API alone, trusting `tokens`. */
  readonly api: RunningApi;
  /** The composed emulators (authorization servers, knobs and all). */
  readonly composed: Emulators;
  userToken(subject: string, scopes: string[]): Promise<string>;
  serviceToken(scopes: string[]): Promise<string>;
}

/** Starts `platform`'s API and the composed emulators before the file's tests, stops them after. */
export function useFidelityApi(platform: keyof typeof PLATFORM_APIS): FidelityApi {
  let started: { tokens: TestTokens; api: RunningApi; composed: Emulators } | undefined;
  beforeAll(async () => {
    const tokens = await createTestTokens();
    const { contentType, faultBody, register } = PLATFORM_APIS[platform];
    const [composed, api] = await Promise.all([
      startEmulators({ ports: [0, 0, 0] }),
      startApi(async (app, ctx) => {
        addFaultHook(app, contentType, faultBody);
        await register(app, ctx);
      }, tokens.verify),
    ]);
    started = { tokens, api, composed };
  });
  afterAll(async () => {
    await Promise.all([started?.api.close(), started?.composed.close()]);
  });
  const get = () => {
    if (!started) throw new Error("the APIs are not started yet (use them inside a test or a hook)");
    return started;
  };
  return {
    get tokens() {
      return get().tokens;
    },
    get api() {
      return get().api;
    },
    get composed() {
      return get().composed;
    },
    userToken: (subject, scopes) => get().tokens.sign({ subject, scopes }),
    serviceToken: (scopes) =>
      get().tokens.sign({ subject: SERVICE_SUBJECT, clientId: SERVICE_SUBJECT, scopes }),
  };
}

/** A client-credentials token for `sandbox-service` from a composed emulator's token endpoint. */
export async function serviceTokenFrom(
  emulator: Emulator,
  tokenPath: string,
  scope: string,
): Promise<string> {
  const response = await fetch(`${emulator.url}${tokenPath}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from("sandbox-service:sandbox-service-secret").toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Makes the composed emulator's next API call fail with `status` through its failure knob. */
export function injectApiFault(emulator: Emulator, status: 429 | 503): void {
  emulator.knobs.set({
    failure:
      status === 429
        ? { target: "api", kind: "429", retryAfterSeconds: 7, count: 1 }
        : { target: "api", kind: "5xx", status, count: 1 },
  });
}

/** Follows `next(body)` from `first` until it gives null/undefined; returns every page's body. */
export async function followPages<T>(
  first: string,
  token: string,
  headers: Record<string, string>,
  next: (body: T) => string | null | undefined,
): Promise<T[]> {
  const pages: T[] = [];
  let url: string | null | undefined = first;
  while (url) {
    const response = await getJson(url, { token, headers });
    expect(response.status).toBe(200);
    pages.push(response.body as T);
    url = next(response.body as T);
    expect(pages.length).toBeLessThan(50);
  }
  return pages;
}
