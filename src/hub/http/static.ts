import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";

/** Where `npm run build` puts the browser UI, and the Vite config that builds it. */
export const WEB_DIST_DIR = fileURLToPath(new URL("../../../web/dist", import.meta.url));
const VITE_CONFIG = fileURLToPath(new URL("../../../web/vite.config.ts", import.meta.url));
const BUILD_WORK_DIR = fileURLToPath(new URL("../../../node_modules/.cache/gatehouse-web", import.meta.url));

export interface StaticUiOptions {
  /** Default: web/dist of this checkout. */
  distDir?: string;
  /** Build web/dist with Vite when it is missing (default true); false only prints how to build it. */
  buildIfMissing?: boolean;
}

/**
 * The UI's security headers. Scripts only from the hub itself; inline styles are allowed because app web
 * views (sandboxed srcdoc iframes, which inherit this policy) bring their own. No framing of the hub.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

let building: Promise<boolean> | null = null;

/**
 * Runs `vite build` in a child process with NODE_ENV=production: a test runner's NODE_ENV=test (or a
 * developer's "development") would otherwise ship React's development build.
 */
export async function buildWeb(outDir?: string): Promise<void> {
  const viteBin = join(
    dirname(createRequire(import.meta.url).resolve("vite/package.json")),
    "bin",
    "vite.js",
  );
  const args = [viteBin, "build", "--config", VITE_CONFIG, "--logLevel", "warn"];
  if (outDir) args.push("--outDir", outDir, "--emptyOutDir");
  await new Promise<void>((resolvePromise, reject) => {
    execFile(
      process.execPath,
      args,
      { env: { ...process.env, NODE_ENV: "production" }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`vite build failed: ${stderr.trim() || err.message}`)) : resolvePromise(),
    );
  });
}

const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

/** A build lock shared by every process on this machine that builds into `distDir` (mkdir is atomic). */
async function withBuildLock<T>(distDir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(
    tmpdir(),
    `gatehouse-web-build-${createHash("sha256").update(distDir).digest("hex").slice(0, 16)}.lock`,
  );
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // A lock left by a crashed build is taken over after five minutes.
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 300_000) await rm(lock, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Builds the UI into `distDir` when `needed()` says so, one process at a time: Vite writes into a private
 * directory that then replaces the old build in two renames, so hubs and tests starting side by side never
 * serve half a build. `needed` is asked again once the lock is held (someone else may have just built).
 */
export async function buildWebInto(distDir: string, needed: () => boolean): Promise<boolean> {
  if (!needed()) return false;
  return withBuildLock(distDir, async () => {
    if (!needed()) return false;
    // Work directories for the default build live in node_modules/.cache (same file system for the renames,
    // and ignored by lint and git if a killed build leaves one behind).
    const workDir = distDir === WEB_DIST_DIR ? BUILD_WORK_DIR : dirname(distDir);
    await mkdir(workDir, { recursive: true });
    const staging = join(workDir, `web-build-${process.pid}-${Date.now()}`);
    const old = join(workDir, `web-old-${process.pid}-${Date.now()}`);
    try {
      await buildWeb(staging);
      if (existsSync(distDir)) await rename(distDir, old);
      await rename(staging, distDir);
      return true;
    } finally {
      await rm(staging, { recursive: true, force: true });
      await rm(old, { recursive: true, force: true });
    }
  });
}

/** Builds the UI once per process when web/dist is missing; false (with a clear log line) when that fails. */
export function ensureWebBuilt(distDir: string, log: FastifyBaseLogger): Promise<boolean> {
  const built = () => existsSync(join(distDir, "index.html"));
  if (built()) return Promise.resolve(true);
  building ??= (async () => {
    try {
      log.info("web/dist is missing: building the web UI once (npm run build does the same)");
      await buildWebInto(distDir, () => !built());
      return true;
    } catch (err) {
      log.error(
        { err: err instanceof Error ? err.message : String(err) },
        "the web UI could not be built; run `npm run build` and restart the hub (the API works without it)",
      );
      return false;
    }
  })();
  return building;
}

/** A page the browser should show: GET, not under /api, and the client asked for HTML. */
function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split("?")[0] ?? "";
  if (path === "/api" || path.startsWith("/api/")) return false;
  return (request.headers.accept ?? "").includes("text/html");
}

function setPageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .header("x-frame-options", "DENY")
    .header("cache-control", "no-cache");
}

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gatehouse</title></head>
<body><main><h1>The Gatehouse web UI is not built</h1><p>Run <code>npm run build</code> and restart the hub.
The API under <code>/api/</code> works without it.</p></main></body></html>`;

/**
 * Serves the React UI from web/dist: hashed assets under /assets/ (cached for good), and index.html for every
 * other GET that asks for HTML and is not an API route, so client-side routes survive a reload. Anything
 * else falls through to the hub's not-found handler (problem details).
 */
export const staticUi: FastifyPluginAsync<StaticUiOptions> = async (app, options) => {
  const distDir = options.distDir ?? WEB_DIST_DIR;
  const built =
    options.buildIfMissing === false
      ? existsSync(join(distDir, "index.html"))
      : await ensureWebBuilt(distDir, app.log);
  if (!built && options.buildIfMissing === false) {
    app.log.warn("web/dist is missing: run `npm run build` to get the web UI (the API works without it)");
  }

  await app.register(fastifyStatic, {
    root: join(distDir, "assets"),
    prefix: "/assets/",
    wildcard: true,
    decorateReply: true,
    index: false,
    immutable: true,
    maxAge: "365d",
  });

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!wantsPage(request)) return reply.callNotFound();
    setPageHeaders(reply);
    if (!built || !existsSync(join(distDir, "index.html"))) {
      return reply.code(503).type("text/html; charset=utf-8").send(NOT_BUILT_PAGE);
    }
    return reply.sendFile("index.html", distDir, { cacheControl: false });
  };

  app.get("/", { schema: { hide: true } }, page);
  app.get("/*", { schema: { hide: true } }, page);
};

export default staticUi;
