/**
 * One emulator: a Fastify app on its own port holding (optionally) an authorization server, the
 * platform's resource APIs, the knobs that make it misbehave on purpose, and the `/_emulator` control
 * routes. Bentley and Autodesk each run one with an authorization server; Seequent runs one whose APIs
 * trust Bentley's tokens.
 */
import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { VerifyAccessToken } from "./accessToken.ts";
import {
  mountAuthorizationServer,
  type AuthorizationServer,
  type AuthPathKind,
  type AuthServerProfile,
} from "./authorizationServer.ts";
import { openEmulatorState, type EmulatorSeeds, type EmulatorState } from "../state/index.ts";
import { SandboxClients, type ClientDescription } from "./clients.ts";
import type { EmulatorContext } from "./context.ts";
import { EmulatorKnobs, InvalidKnobsError, type InjectedFailure, type RequestKind } from "./knobs.ts";
import { collapseRepeatedSlashes } from "./paths.ts";
import { StatsCounter, type EmulatorStats } from "./stats.ts";

export type EmulatorName = "bentley" | "autodesk" | "seequent";

export interface EmulatorDefinition {
  name: EmulatorName;
  displayName: string;
  /** Present when this emulator is an authorization server. */
  auth?: AuthServerProfile;
  /** For an emulator without its own authorization server: whose tokens its APIs accept. */
  verifier?: VerifyAccessToken;
  /** Mounts the platform's resource APIs over the seed data; awaited before listen. */
  registerApi?: (app: FastifyInstance, ctx: EmulatorContext, seeds: EmulatorSeeds) => Promise<void>;
  /** How the platform's API gateway answers a 429 or 5xx, for injected failures on API routes. */
  apiFault: { contentType: string; body(status: number): unknown };
  /** How the platform answers a path no route serves (outside its APIs' own prefixes). */
  notFound: { contentType: string; body(path: string): unknown };
}

export interface StartEmulatorOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  webRedirectUris?: readonly string[];
  /** Where grants, keys and seed data live (`startEmulators` shares one); default: a fresh in-memory one. */
  state?: EmulatorState;
}

export interface Emulator {
  readonly name: EmulatorName;
  readonly displayName: string;
  /** `http://host:port`, no trailing slash; also the issuer of its authorization server. */
  readonly url: string;
  /** Replaces `sandbox-web`'s redirect URIs (exact match). No-op without an authorization server. */
  setWebRedirectUris(uris: readonly string[]): void;
  readonly knobs: EmulatorKnobs;
  stats(): EmulatorStats;
  resetStats(): void;
  /** The clients its authorization server registers (empty without one). */
  clients(): ClientDescription[];
  /** Verifies access tokens this emulator's APIs accept. */
  readonly verifyAccessToken: VerifyAccessToken;
  /** The context handed to the API plugin; `hubUrls` is filled in once all emulators listen. */
  readonly context: EmulatorContext;
  close(): Promise<void>;
}

const OAUTH_ERROR_CONTENT_TYPE = "application/json; charset=utf-8";
const MAX_PEEKED_BODY_BYTES = 64 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads a form body's `grant_type` (for counting a token call the emulator answers itself). */
async function peekGrantType(raw: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  const body = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(""), 2000);
    raw.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PEEKED_BODY_BYTES) chunks.push(chunk);
    });
    raw.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    raw.on("error", () => {
      clearTimeout(timer);
      resolve("");
    });
  });
  return new URLSearchParams(body).get("grant_type") ?? undefined;
}

function oauthFailureBody(failure: InjectedFailure): { error: string; error_description: string } {
  switch (failure.kind) {
    case "invalid_grant":
      return {
        error: "invalid_grant",
        error_description: "The grant is invalid (injected by the emulator's failure knob).",
      };
    case "429":
      return {
        error: "temporarily_unavailable",
        error_description: "Too many requests (injected by the emulator's failure knob).",
      };
    default:
      return {
        error: "server_error",
        error_description: "The server failed (injected by the emulator's failure knob).",
      };
  }
}

function injectFailure(
  failure: InjectedFailure,
  kind: RequestKind,
  reply: FastifyReply,
  apiFault: EmulatorDefinition["apiFault"],
): FastifyReply {
  if (failure.kind === "hang") {
    // Never answered; close() destroys the connection (forceCloseConnections).
    reply.hijack();
    return reply;
  }
  if (failure.kind === "reset") {
    reply.hijack();
    reply.raw.socket?.destroy();
    return reply;
  }
  const status =
    failure.kind === "429" ? 429 : failure.kind === "invalid_grant" ? 400 : (failure.status ?? 503);
  if (failure.kind === "429") reply.header("retry-after", String(failure.retryAfterSeconds ?? 1));
  if (kind === "api" && failure.kind !== "invalid_grant") {
    return reply.code(status).type(apiFault.contentType).send(apiFault.body(status));
  }
  return reply.code(status).type(OAUTH_ERROR_CONTENT_TYPE).send(oauthFailureBody(failure));
}

/** Starts one emulator and resolves once it listens. */
export async function startEmulator(
  definition: EmulatorDefinition,
  options: StartEmulatorOptions = {},
): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  const knobs = new EmulatorKnobs();
  const stats = new StatsCounter();
  const clients = definition.auth ? new SandboxClients(definition.auth, options.webRedirectUris ?? []) : null;
  const ownState = options.state === undefined ? openEmulatorState() : null;
  const state = options.state ?? ownState!;

  // Gateways in front of the real platforms accept `//authentication/v2/token`, and some clients send it;
  // the raw URL itself is rewritten, so oidc-provider (which reads it) sees the collapsed path too.
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    rewriteUrl: (request) => collapseRepeatedSlashes(request.url ?? "/"),
  });
  app.addHook("onClose", async () => ownState?.close());
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type(definition.notFound.contentType)
      .send(definition.notFound.body(request.url.split("?")[0] ?? "/")),
  );

  let auth: AuthorizationServer | null = null;
  try {
    if (definition.auth && clients) {
      auth = await mountAuthorizationServer(app, definition.auth, {
        name: definition.name,
        knobs,
        stats,
        clients,
        state,
      });
    }
  } catch (error) {
    await app.close();
    throw error;
  }
  const verifyAccessToken = auth?.verifyAccessToken ?? definition.verifier;
  if (!verifyAccessToken) {
    await app.close();
    throw new TypeError(`${definition.name}: an emulator needs its own authorization server or a verifier`);
  }

  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    if (path === "/_emulator" || path.startsWith("/_emulator/")) return;
    const authKind: AuthPathKind | null = auth?.classify(path) ?? null;
    const kind: RequestKind = authKind === "token" ? "token" : authKind ? "other" : "api";

    const latency = knobs.latencyFor(kind);
    if (latency > 0) await sleep(latency);

    const failure = knobs.takeFailure(kind);
    if (failure) {
      if (authKind === "token" && failure.kind !== "reset") {
        stats.tokenCall(await peekGrantType(request.raw), "error");
      }
      return injectFailure(failure, kind, reply, definition.apiFault);
    }
    if (authKind === "revocation") stats.revocation();
    if (authKind === "introspection") stats.introspection();
  });

  await app.register(
    async (scope) => {
      scope.get("/knobs", async () => knobs.get());
      scope.patch("/knobs", async (request, reply) => {
        try {
          return knobs.set(request.body ?? {});
        } catch (error) {
          if (error instanceof InvalidKnobsError) {
            return reply.code(400).send({ error: error.code, message: error.message });
          }
          throw error;
        }
      });
      scope.post("/knobs/reset", async () => {
        knobs.reset();
        return knobs.get();
      });
      scope.get("/stats", async () => stats.snapshot());
      scope.post("/stats/reset", async () => {
        stats.reset();
        return stats.snapshot();
      });
    },
    { prefix: "/_emulator" },
  );

  const context: EmulatorContext = { verifyAccessToken, baseUrl: "" };
  if (definition.registerApi) await definition.registerApi(app, context, state.seeds);

  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  if (address === null || typeof address === "string") {
    throw new Error(`${definition.name}: the emulator did not get a TCP address`);
  }
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  context.baseUrl = url;
  auth?.start(url);

  return {
    name: definition.name,
    displayName: definition.displayName,
    url,
    setWebRedirectUris: (uris) => clients?.setWebRedirectUris(uris),
    knobs,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    clients: () => clients?.describe() ?? [],
    verifyAccessToken,
    context,
    close: () => app.close(),
  };
}
