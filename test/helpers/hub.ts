/**
 * A real hub for tests: `startTestHub()` starts the provider emulators (ports 0) and a hub on
 * 127.0.0.1:0 over a fresh SQLite file (or the database you pass, e.g. from forEachDatabase), seeds the
 * sandbox integrations wired to the emulators plus an admin and the demo users, and gives you cookie-jar
 * HTTP clients that behave like a browser (they send the hub's Origin on state-changing requests).
 *
 *   const t = await startTestHub({ store });          // in beforeAll
 *   const alice = await t.signIn("alice@example.com");
 *   await t.connect(alice, "bentley-itwin", "alice@example.com");
 *   const res = await alice.get("/api/apps/itwin-browser/integrations/bentley-itwin/token");
 *   await t.close();                                   // in afterAll
 *
 * or `const t = useTestHub(() => ({ store: database.store }))` (suiteHub.ts) to have both hooks registered.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig, type HubConfig } from "../../src/config/index.ts";
import type { Store } from "../../src/db/index.ts";
import type { Emulators } from "../../src/emulators/index.ts";
import { OIDC_CALLBACK_PATH } from "../../src/hub/identity/oidcPaths.ts";
import { buildHub, type Hub, type HubDeps } from "../../src/hub/server.ts";
import { sandboxOidcConfig } from "../../src/sandbox/oidc.ts";
import { seedSandbox, type SeedResult } from "../../src/sandbox/seed.ts";
import { signInAtEmulator } from "./browser.ts";

export const TEST_ADMIN = { email: "admin@example.com", password: "admin-password-for-tests" };
export const DEMO_PASSWORD = "sandbox";
/** A demo user of the sandbox, with her emulator sign-in. */
export const ALICE = { email: "alice@example.com", password: DEMO_PASSWORD };

export interface TestHubOptions {
  /** An open store (e.g. forEachDatabase's); not closed by `close()`. Default: a fresh SQLite file. */
  store?: Store;
  /** Start the emulators and seed the sandbox integrations (default true). */
  emulators?: boolean;
  /** Config overrides on top of the test defaults. */
  config?: Partial<HubConfig>;
  /** Passed to buildHub (logDestination is taken over when captureLogs is on). */
  deps?: HubDeps;
  /** Keep every log line in `logs` (default true); level defaults to "info". */
  captureLogs?: boolean;
  /** Sign people in at the Bentley emulator, as the sandbox does ("Sign in with Bentley (sandbox)"). */
  sandboxSignIn?: boolean;
}

export interface TestHub {
  /** http://127.0.0.1:<port>, also the hub's public URL. */
  url: string;
  hub: Hub;
  emulators: Emulators | null;
  seed: SeedResult | null;
  /** Raw log lines (JSON strings) the hub wrote. */
  logs: string[];
  /** A client with no session. */
  client(): HubClient;
  /** A client signed in as `email` (demo users' password by default). */
  signIn(email: string, password?: string): Promise<HubClient>;
  /** A client signed in as the admin. */
  admin(): Promise<HubClient>;
  /** Creates a hub user (role "user" by default) and returns a signed-in client. */
  newUser(role?: "admin" | "developer" | "user"): Promise<HubClient & { email: string }>;
  /**
   * Runs the connect flow for `integration` as `client` through the emulator's sign-in and consent pages
   * as `emulatorUser`; returns the hub's final answer (normally 302 to returnTo).
   */
  connect(
    client: HubClient,
    integration: string,
    emulatorUser: string,
    options?: ConnectOptions,
  ): Promise<Response>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  app?: string;
  returnTo?: string;
  /** "deny" presses Deny on the consent page. */
  decision?: "allow" | "deny";
  /** Change the callback URL before the hub sees it (tampering tests). */
  tamper?: (callback: URL) => URL;
}

type Json = unknown;

export interface HubResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A tiny cookie jar: one per client, cookies by name (the hub and the emulators set path=/ cookies). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body (sent as is, with `contentType`). */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Origin header: default the hub's own on POST/PUT/PATCH/DELETE (as a browser sends it); null: none. */
  origin?: string | null;
}

/** Like a browser on the hub's pages: a cookie jar, the hub's Origin on unsafe methods, no redirect following. */
export class HubClient {
  readonly jar = new CookieJar();
  /** When set, sent as `Authorization: Bearer` (a personal access token). */
  bearer: string | null = null;

  /** `publicUrl`: the hub's public URL when it differs from where the client connects (its Origin). */
  constructor(
    readonly baseUrl: string,
    readonly publicUrl = baseUrl,
  ) {}

  async fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    const cookie = this.jar.header();
    if (cookie) headers.cookie = cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    const unsafe = !["GET", "HEAD", "OPTIONS"].includes(method);
    const origin =
      options.origin === undefined ? (unsafe ? new URL(this.publicUrl).origin : null) : options.origin;
    if (origin) headers.origin = origin;
    let body: string | Buffer | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      headers["content-type"] = options.contentType ?? "application/json";
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const url = /^https?:/.test(path) ? path : `${this.baseUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers,
      body: body as RequestInit["body"],
      redirect: "manual",
    });
    this.jar.store(response);
    return response;
  }

  async request<T = Json>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HubResponse<T>> {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    let body: unknown = text;
    if (/json/.test(response.headers.get("content-type") ?? "") && text) body = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: body as T, text };
  }

  get<T = Json>(path: string, options?: RequestOptions) {
    return this.request<T>("GET", path, options);
  }
  post<T = Json>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>("POST", path, { ...options, body });
  }
  patch<T = Json>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>("PATCH", path, { ...options, body });
  }
  delete<T = Json>(path: string, options?: RequestOptions) {
    return this.request<T>("DELETE", path, options);
  }

  /** Signs in with the session cookie; throws unless the hub answers 204. */
  async signIn(email: string, password: string): Promise<this> {
    const res = await this.post("/api/auth/login", { email, password });
    if (res.status !== 204) throw new Error(`sign-in as ${email} failed: ${res.status} ${res.text}`);
    return this;
  }
}

/**
 * The connect flow for `integration` as `client` on any hub (in-process or a real process): the hub's
 * login route, the emulator's sign-in and consent pages as `emulatorUser`, then the hub's callback;
 * returns the hub's final answer (normally 302 to returnTo).
 */
export async function connectAccount(
  client: HubClient,
  integration: string,
  emulatorUser: string,
  connectOptions: ConnectOptions = {},
): Promise<Response> {
  const query = new URLSearchParams();
  if (connectOptions.app) query.set("app", connectOptions.app);
  if (connectOptions.returnTo) query.set("returnTo", connectOptions.returnTo);
  const start = await client.fetch("GET", `/api/integrations/oauth2/login/${integration}?${query}`);
  const location = start.headers.get("location");
  await start.body?.cancel();
  if (start.status !== 302 || !location) throw new Error(`connect did not start: ${start.status}`);
  const { finalUrl } = await signInAtEmulator(location, {
    email: emulatorUser,
    password: DEMO_PASSWORD,
    consent: connectOptions.decision !== "deny",
  });
  let callbackUrl = new URL(finalUrl);
  if (connectOptions.tamper) callbackUrl = connectOptions.tamper(callbackUrl);
  return client.fetch("GET", callbackUrl.href);
}

/** A Writable that keeps each log line. */
function lineCollector(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(line);
      done();
    },
  });
}

export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-hub-"));
  const logs: string[] = [];
  const withEmulators = options.emulators ?? true;
  // Imported lazily: suites without emulators do not load oidc-provider at all.
  const emulators = withEmulators
    ? await (
        await import("../../src/emulators/index.ts")
      ).startEmulators({
        host: "127.0.0.1",
        ports: [0, 0, 0],
        webRedirectUris: [],
      })
    : null;
  let hub: Hub | undefined;
  try {
    const config: HubConfig = {
      ...loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_ENCRYPTION_KEYS: `test:${randomBytes(32).toString("base64")}`,
        GATEHOUSE_SANDBOX: "false",
        LOG_LEVEL: "info",
        // Tests sign in often from one address; the rate-limit test sets its own limit.
        GATEHOUSE_LOGIN_RATE_LIMIT: "10000",
      }),
      appsDirs: [],
      ...(options.sandboxSignIn && emulators ? { oidc: sandboxOidcConfig(emulators.bentley.url) } : {}),
      ...options.config,
    };
    hub = await buildHub(config, {
      ...options.deps,
      ...(options.store ? { store: options.store } : {}),
      ...(options.captureLogs === false ? {} : { logDestination: lineCollector(logs) }),
    });
    // No app directories (the default here): no app layer, so an app is known when an integration names
    // it. Suites that load apps pass config.appsDirs and get the apps layer's answers.
    if (config.appsDirs.length === 0) hub.services.apps = null;
    const address = await hub.listen();
    // The public URL is only known now (port 0); the hub reads it per request.
    const url = address.replace("[::1]", "127.0.0.1");
    hub.services.config.publicUrl = url;
    const callback = `${url}/api/integrations/oauth2/callback/`;
    let seed: SeedResult | null = null;
    if (emulators) {
      // The connect flow's callback, and the hub's own sign-in (the sandbox's sign-in client).
      emulators.setWebRedirectUris([callback, `${url}${OIDC_CALLBACK_PATH}`]);
      seed = await seedSandbox(
        hub.services,
        {
          bentley: emulators.bentley.url,
          autodesk: emulators.autodesk.url,
          seequent: emulators.seequent.url,
        },
        TEST_ADMIN,
      );
    } else {
      seed = await seedSandbox(hub.services, null, TEST_ADMIN);
    }
    const started = hub;
    let userCount = 0;
    const testHub: TestHub = {
      url,
      hub: started,
      emulators,
      seed,
      logs,
      client: () => new HubClient(url),
      signIn: (email, password = DEMO_PASSWORD) => new HubClient(url).signIn(email, password),
      admin: () => new HubClient(url).signIn(TEST_ADMIN.email, TEST_ADMIN.password),
      async newUser(role = "user") {
        const email = `user${++userCount}-${randomBytes(3).toString("hex")}@example.com`;
        await started.services.accounts.createUser({ email, password: DEMO_PASSWORD, role });
        return Object.assign(await new HubClient(url).signIn(email, DEMO_PASSWORD), { email });
      },
      connect: connectAccount,
      async close() {
        await started.close();
        await emulators?.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
    return testHub;
  } catch (err) {
    await hub?.close();
    await emulators?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Starts a hub for one test, runs `body` with it and closes it, whether `body` passes or throws. */
export async function withTestHub<T>(options: TestHubOptions, body: (t: TestHub) => Promise<T>): Promise<T> {
  const t = await startTestHub(options);
  try {
    return await body(t);
  } finally {
    await t.close();
  }
}
