import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { LazyRequestLogger } from "./requestLogger.ts";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino({ level, redact: { paths: ["token"], censor: "[redacted]" } }, stream);
  return { parent, lines };
}

describe("LazyRequestLogger", () => {
  it("makes no child for a line below the level, and writes one with its bindings above it", () => {
    const { parent, lines } = capture("info");
    const child = vi.spyOn(parent, "child");
    const log = new LazyRequestLogger(parent, { reqId: "req-1" }, {});
    log.debug("not written");
    log.trace({ token: "t" }, "nor this");
    expect(child).not.toHaveBeenCalled();
    log.info({ token: "secret-value" }, "written");
    log.warn("again");
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toMatchObject([
      { reqId: "req-1", msg: "written", token: "[redacted]" },
      { reqId: "req-1", msg: "again" },
    ]);
  });

  it("follows a route's own level, and a level set on it", () => {
    const { parent, lines } = capture("info");
    const routeLog = new LazyRequestLogger(parent, { reqId: "r" }, { level: "debug" });
    expect(routeLog.level).toBe("debug");
    routeLog.debug("route debug line");
    const log = new LazyRequestLogger(parent, { reqId: "s" }, {});
    expect(log.level).toBe("info");
    log.level = "error";
    log.warn("dropped");
    log.error("kept");
    expect(lines.map((line) => line.msg)).toEqual(["route debug line", "kept"]);
  });

  it("binds a grandchild to both", () => {
    const { parent, lines } = capture("info");
    new LazyRequestLogger(parent, { reqId: "r" }, {}).child({ module: "m" }).info("x");
    expect(lines).toMatchObject([{ reqId: "r", module: "m", msg: "x" }]);
  });
});
