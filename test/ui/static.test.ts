import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticUi } from "../../src/hub/http/static.ts";

// The UI plugin on its own Fastify, with the same kind of not-found handler the hub installs, over a tiny
// stand-in build: what is served as a page, what as an asset, and what must stay an API 404.
describe("static UI plugin", () => {
  let app: FastifyInstance;
  let dist: string;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), "gatehouse-dist-"));
    mkdirSync(join(dist, "assets"));
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>Gatehouse</title><div id=root></div>");
    writeFileSync(join(dist, "assets", "index-abc123.js"), "console.log('ui')");
    app = Fastify();
    app.setNotFoundHandler((request, reply) =>
      reply
        .code(404)
        .type("application/problem+json")
        .send({ status: 404, code: "not_found", detail: request.url }),
    );
    app.get("/api/me", async () => ({ id: "1" }));
    await app.register(staticUi, { distDir: dist, buildIfMissing: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    rmSync(dist, { recursive: true, force: true });
  });

  const html = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

  it.each(["/", "/login", "/apps/itwin-browser", "/admin/integrations/new", "/account?x=1"])(
    "serves index.html for the client route %s",
    async (url) => {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toMatch(/text\/html/);
      expect(res.body).toContain("<div id=root>");
      expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(res.headers["cache-control"]).toBe("no-cache");
    },
  );

  it("serves hashed assets with a long cache lifetime", async () => {
    const res = await app.inject({ url: "/assets/index-abc123.js" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("console.log('ui')");
    expect(res.headers["cache-control"]).toContain("immutable");
  });

  it("leaves unknown API routes and missing assets to the hub's problem-details 404", async () => {
    for (const url of ["/api/nope", "/api", "/assets/missing.js"]) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"], url).toMatch(/problem\+json/);
    }
  });

  it("answers non-HTML clients with a 404 instead of the page", async () => {
    const res = await app.inject({ url: "/apps", headers: { accept: "application/json" } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "not_found" });
  });

  it("does not shadow API routes", async () => {
    const res = await app.inject({ url: "/api/me", headers: html });
    expect(res.json()).toEqual({ id: "1" });
  });

  it("builds the UI once when web/dist is missing, as a production build", async () => {
    const parent = mkdtempSync(join(tmpdir(), "gatehouse-build-"));
    const missing = join(parent, "dist");
    const hub = Fastify();
    try {
      await hub.register(staticUi, { distDir: missing });
      await hub.ready();
      const res = await hub.inject({ url: "/apps", headers: html });
      expect(res.statusCode).toBe(200);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(res.body)?.[1];
      expect(script).toBeDefined();
      const bundle = await hub.inject({ url: script! });
      expect(bundle.statusCode).toBe(200);
      // React's production build: errors are minified, and there is no jsxDEV.
      expect(bundle.body).toContain("Minified React error");
      expect(bundle.body).not.toContain("jsxDEV");
    } finally {
      await hub.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
