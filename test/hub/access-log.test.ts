// The access log (src/hub/http/accessLog.ts): at info, one summary line instead of a line per request; at debug,
// a line per answered request with the path and never the query. The summary is written at close, so
// nothing here waits for its minute.
import { describe, expect, it } from "vitest";
import { startTestHub } from "../helpers/hub.ts";

const parsed = (logs: string[]) => logs.map((line) => JSON.parse(line) as Record<string, unknown>);

describe("access log", () => {
  it("at info: no line per request, a summary of requests by status class", async () => {
    const t = await startTestHub({ emulators: false, config: { logLevel: "info" } });
    for (let i = 0; i < 3; i++) expect((await t.client().get("/healthz")).status).toBe(200);
    expect((await t.client().get("/api/no-such-route")).status).toBe(404);
    await t.close();
    const lines = parsed(t.logs);
    expect(lines.filter((l) => l.msg === "request completed" || l.msg === "incoming request")).toEqual([]);
    const summaries = lines.filter((l) => l.msg === "requests answered");
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ module: "access", requests: 4, "2xx": 3, "4xx": 1 });
    expect(summaries[0]!.maxMs).toEqual(expect.any(Number));
  });

  it("at debug: a line per request with method, path and status, never the query", async () => {
    const t = await startTestHub({ emulators: false, config: { logLevel: "debug" } });
    await t.client().get("/api/integrations/oauth2/callback/?code=CODE-SECRET-1&state=STATE-SECRET-1");
    await t.close();
    const text = t.logs.join("\n");
    expect(text).not.toContain("CODE-SECRET-1");
    expect(text).not.toContain("STATE-SECRET-1");
    const completed = parsed(t.logs).filter((l) => l.msg === "request completed");
    expect(completed).toContainEqual(
      expect.objectContaining({
        req: expect.objectContaining({ method: "GET", url: "/api/integrations/oauth2/callback/" }),
        res: { statusCode: expect.any(Number) },
        responseTime: expect.any(Number),
      }),
    );
  });
});
