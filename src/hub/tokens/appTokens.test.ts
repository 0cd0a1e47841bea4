import { describe, expect, it } from "vitest";
import { AppTokens, tokenAnswer, tokenAnswerJson, tokenResponses } from "./appTokens.ts";

const token = {
  accessToken: 'eyJ.a"quote\\and\u0001control',
  tokenType: "Bearer" as const,
  expiresAt: Date.UTC(2026, 11, 1, 12, 0, 0),
  scopes: ["itwin-platform", "offline_access"],
};

describe("tokenAnswerJson", () => {
  it("is the token answer as JSON, with exactly the fields of the 200 schema, escaped", () => {
    const parsed = JSON.parse(tokenAnswerJson(token)) as Record<string, unknown>;
    expect(parsed).toEqual(tokenAnswer(token));
    expect(parsed.expiresAt).toBe("2026-12-01T12:00:00.000Z");
    expect(Object.keys(parsed)).toEqual(tokenResponses[200].required);
  });

  it("answers a held (frozen) token the same every time", () => {
    const held = Object.freeze({ ...token, scopes: Object.freeze([...token.scopes]) });
    expect(tokenAnswerJson(held)).toBe(tokenAnswerJson(held));
    expect(tokenAnswerJson(held)).toBe(tokenAnswerJson(token));
  });
});

describe("AppTokens.heldTokenForApp", () => {
  const integration = { name: "bentley-itwin", apps: ["itwin-browser"], grantType: "authorization_code" };
  const held = Object.freeze({ ...token, scopes: Object.freeze([...token.scopes]) });

  /** AppTokens over fakes: `inMemory` says what the caches hold. */
  function appTokens(inMemory: { integration: boolean; token: boolean }) {
    const issued: string[] = [];
    const tokens = new AppTokens(
      { held: () => (inMemory.integration ? (integration as never) : undefined), get: async () => null },
      { heldToken: () => (inMemory.token ? held : null) } as never,
      () => null,
      (app, name, userId) => issued.push(`${app} ${name} ${userId}`),
    );
    return { tokens, issued };
  }

  it("answers the held token of an assigned integration, counted as issued", () => {
    const { tokens, issued } = appTokens({ integration: true, token: true });
    expect(tokens.heldTokenForApp("itwin-browser", "bentley-itwin", "u1")).toBe(held);
    expect(issued).toEqual(["itwin-browser bentley-itwin u1"]);
  });

  it("is null (the full path answers) when anything is not held or the app may not use it", () => {
    for (const [inMemory, app] of [
      [{ integration: false, token: true }, "itwin-browser"],
      [{ integration: true, token: false }, "itwin-browser"],
      [{ integration: true, token: true }, "acc-hubs"],
      [{ integration: true, token: true }, "Not An App"],
    ] as const) {
      const { tokens, issued } = appTokens(inMemory);
      expect(
        tokens.heldTokenForApp(app, "bentley-itwin", "u1"),
        JSON.stringify({ inMemory, app }),
      ).toBeNull();
      expect(issued).toEqual([]);
    }
  });
});
