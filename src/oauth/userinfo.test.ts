import { describe, expect, it } from "vitest";
import type { OAuthClientConfig } from "./client.ts";
import { OAuthError } from "./errors.ts";
import { processUserinfoResponse, userinfoRequest } from "./userinfo.ts";

const cfg: OAuthClientConfig = {
  issuer: "https://ims.example",
  tokenUrl: "https://ims.example/connect/token",
  clientId: "native",
  tokenEndpointAuthMethod: "none",
};

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("processUserinfoResponse", () => {
  it("returns the claims of a JSON answer with a sub", async () => {
    const claims = await processUserinfoResponse(cfg, json({ sub: "u1", email: "a@example.com" }), null);
    expect(claims).toMatchObject({ sub: "u1", email: "a@example.com" });
  });

  it("insists on the ID token's subject when one is known (OIDC Core 5.3.2)", async () => {
    await expect(processUserinfoResponse(cfg, json({ sub: "someone-else" }), "u1")).rejects.toBeInstanceOf(
      OAuthError,
    );
    await expect(processUserinfoResponse(cfg, json({ sub: "u1" }), "u1")).resolves.toMatchObject({
      sub: "u1",
    });
  });

  it("refuses an answer without sub, a refusal, and what is not JSON", async () => {
    await expect(processUserinfoResponse(cfg, json({ email: "a@example.com" }), null)).rejects.toBeInstanceOf(
      OAuthError,
    );
    await expect(
      processUserinfoResponse(cfg, json({ error: "insufficient_scope" }, 403), null),
    ).rejects.toBeInstanceOf(OAuthError);
    await expect(
      processUserinfoResponse(
        cfg,
        new Response("<html>", { headers: { "content-type": "text/html" } }),
        null,
      ),
    ).rejects.toBeInstanceOf(OAuthError);
  });
});

describe("userinfoRequest", () => {
  it("refuses a plain-http userinfo URL before sending anything, unless the config allows it", async () => {
    await expect(userinfoRequest(cfg, "http://ims.example/connect/userinfo", "token")).rejects.toMatchObject({
      code: "invalid_configuration",
    });
  });
});
