import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { serverWithFront, type FrontDesk } from "./frontServer.ts";

const OPTIONS = {
  keepAliveTimeout: 72_000,
  requestTimeout: 0,
  connectionTimeout: 0,
  maxRequestsPerSocket: 0,
};

describe("serverWithFront", () => {
  let server: Server | undefined;
  afterEach(
    () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  /** A request that fails rather than waits when nothing answers. */
  const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(2_000) });

  /** A server whose "Fastify" answers `fastify`, with `desk` asked first; its base URL. */
  async function start(desk: FrontDesk | null): Promise<string> {
    const factory = serverWithFront(() => desk);
    server = factory((_req, res) => res.end("fastify"), OPTIONS);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("sets Fastify's timeouts and asks the desk first", async () => {
    const url = await start((req, res) => req.url === "/desk" && (res.end("desk"), true));
    expect(server!.keepAliveTimeout).toBe(72_000);
    expect(await (await get(`${url}/desk`)).text()).toBe("desk");
    expect(await (await get(`${url}/other`)).text()).toBe("fastify");
  });

  it("hands a request to Fastify when the desk throws before answering, and stays up", async () => {
    const url = await start(() => {
      throw new Error("a bug at the desk");
    });
    expect(await (await get(url)).text()).toBe("fastify");
    expect(await (await get(url)).text()).toBe("fastify");
  });

  it("closes the connection of an answer the desk began and then threw in", async () => {
    const url = await start((_req, res) => {
      res.writeHead(200, { "content-length": "10" });
      res.write("half");
      throw new Error("a bug mid-answer");
    });
    await expect(get(url).then((res) => res.text())).rejects.toThrow();
    expect(server!.listening).toBe(true);
  });

  it("refuses options it would drop", () => {
    expect(() => serverWithFront(() => null)((_req, res) => res.end(), { ...OPTIONS, http2: true })).toThrow(
      /HTTP\/1\.1/,
    );
  });
});
