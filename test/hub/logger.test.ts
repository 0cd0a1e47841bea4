import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, pathOnly } from "../../src/hub/http/logger.ts";

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { lines, stream };
}

describe("hub logger", () => {
  it("blanks secret fields at the top level and nested", () => {
    const { lines, stream } = capture();
    const logger = createLogger("info", stream);
    logger.info(
      {
        accessToken: "AT-1",
        refreshToken: "RT-1",
        clientSecret: "CS-1",
        password: "PW-1",
        state: "ST-1",
        token: "TK-1",
        nested: { access_token: "AT-2", client_secret: "CS-2", authorization: "Bearer AT-3" },
        deeper: { a: { refresh_token: "RT-2", cookie: "gatehouse_session=S-1" } },
        req: { headers: { authorization: "Bearer AT-4", cookie: "c=S-2", "set-cookie": "S-3" } },
        integration: "bentley-itwin",
      },
      "a line",
    );
    const text = lines.join("");
    for (const secret of [
      "AT-1",
      "RT-1",
      "CS-1",
      "PW-1",
      "ST-1",
      "TK-1",
      "AT-2",
      "CS-2",
      "AT-3",
      "RT-2",
      "S-1",
      "AT-4",
      "S-2",
      "S-3",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("bentley-itwin");
    expect(text).toContain("[redacted]");
  });

  it("keeps only the path of a URL", () => {
    expect(pathOnly("/api/integrations/oauth2/callback/?code=abc&state=def")).toBe(
      "/api/integrations/oauth2/callback/",
    );
    expect(pathOnly("/x#frag")).toBe("/x");
    expect(pathOnly("/plain")).toBe("/plain");
  });
});
